"""HTTP to Flownally: one pooled session per process, timeouts, safe retries, logging.

Retries: GETs on connection errors, timeouts, 5xx and 429; POSTs on the same, and on 409
`idempotency_in_progress`, always with the same Idempotency-Key, so a retried or
double-submitted send happens once. Waits grow exponentially with jitter, honour
Retry-After, and are capped; a Retry-After beyond the cap is not waited for.

Within a page's budget (deadline.py) nothing sleeps through a retry cycle: each attempt's
timeouts are cut to the time left; a read is retried only at once, after a dropped
connection (a keep-alive socket the server had closed); a POST is retried only while the
time left covers the wait and another attempt like the last. Without a deadline (the
open-queue walk, bulk jobs) the retries above apply in full. Every attempt takes its place
in the shared request budget (request_budget.py) and passes the circuit breaker
(circuit.py) first.

Logged per attempt at INFO: method, path template, status, duration, request id. Never the
token, never a body.
"""

from __future__ import annotations

import functools
import logging
import os
import random
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter

from dashboard.flownally import circuit, request_budget
from dashboard.flownally.deadline import Deadline, current
from dashboard.flownally.errors import (
    BadResponse,
    Conflict,
    FlownallyError,
    OutOfTime,
    RateLimited,
    Unavailable,
    error_from_response,
)

logger = logging.getLogger("dashboard.flownally")

_session: requests.Session | None = None
_session_pid = 0
_session_lock = threading.Lock()
_on_retry: ContextVar[Callable[[float], None] | None] = ContextVar(
    "flownally_on_retry", default=None
)


def session() -> requests.Session:
    """The process's keep-alive session (a new one after a fork: sockets are not shared)."""
    global _session, _session_pid
    with _session_lock:
        if _session is None or _session_pid != os.getpid():
            _session = requests.Session()
            # Big enough for every gunicorn thread and fan-out worker to keep a connection.
            adapter = HTTPAdapter(pool_connections=4, pool_maxsize=64, max_retries=0)
            _session.mount("http://", adapter)
            _session.mount("https://", adapter)
            _session_pid = os.getpid()
        return _session


@dataclass(frozen=True)
class Answer:
    status: int
    body: object  # parsed JSON, or None for empty bodies
    headers: dict[str, str]
    raw: requests.Response | None = None  # only for streamed downloads


def _backoff(attempt: int, retry_after: float) -> float:
    cap = settings.FLOWNALLY_RETRY_CAP
    wait = min(cap, settings.FLOWNALLY_RETRY_BASE * 2**attempt)
    wait = random.uniform(wait / 2, wait)  # jitter, so retrying workers do not stampede
    return max(wait, retry_after)


def _retryable(error: FlownallyError, method: str) -> bool:
    if isinstance(error, Unavailable | RateLimited):
        return True
    return (
        method == "POST" and isinstance(error, Conflict) and error.code == "idempotency_in_progress"
    )


def request(
    method: str,
    path: str,
    route: str,
    *,
    params: dict | None = None,
    json: object = None,
    files: dict | None = None,
    idempotency_key: str | None = None,
    stream: bool = False,
) -> Answer:
    """One API call with retries; returns the 2xx answer or raises a FlownallyError."""
    headers = {
        "Authorization": f"Bearer {settings.FLOWNALLY_API_TOKEN}",
        "Accept": "application/json",
    }
    if method == "POST":
        headers["Idempotency-Key"] = idempotency_key or uuid.uuid4().hex
    url = settings.FLOWNALLY_API_URL + path
    limit = current()
    attempts = settings.FLOWNALLY_RETRIES + 1
    attempt, retried_at_once = 0, False
    while True:
        timeout = _timeouts(limit)
        cut = timeout != (settings.FLOWNALLY_CONNECT_TIMEOUT, settings.FLOWNALLY_READ_TIMEOUT)
        started = time.monotonic()
        try:
            return _through_circuit(
                route,
                method == "POST" and limit is not None,
                cut,
                functools.partial(
                    _once,
                    method,
                    url,
                    route,
                    headers,
                    params,
                    json,
                    files,
                    stream,
                    attempt,
                    timeout,
                ),
            )
        except Unavailable as error:
            if limit is not None and limit.remaining() <= 0.01:
                raise limit.exceeded() from error
            failure: FlownallyError = error
        except FlownallyError as error:
            failure = error
        retry_after = failure.retry_after
        if (
            attempt + 1 >= attempts
            or not _retryable(failure, method)
            or retry_after > settings.FLOWNALLY_RETRY_CAP
        ):
            raise failure
        wait = _backoff(attempt, retry_after)
        if limit is not None:
            if method != "POST":
                if retried_at_once or not _dropped(failure):
                    raise failure
                wait, retried_at_once = 0.0, True
            elif limit.remaining() < wait + (time.monotonic() - started):
                raise failure
        if hook := _on_retry.get():
            hook(wait)  # before the wait: a lock held for one attempt must outlast it too
        time.sleep(wait)
        attempt += 1


def _through_circuit(route: str, person: bool, cut: bool, attempt: Callable[[], Answer]) -> Answer:
    """One attempt, unless the circuit is open (or another call probes): then Unavailable
    at once, which the caller retries like any failure when it has the time. A `person`'s
    action (a POST within a page's budget) is always tried. An attempt whose timeout the
    page's budget `cut` short and that timed out says nothing about Flownally: OutOfTime,
    not counted. Over the request budget: OverBudget, not counted either."""
    ticket = request_budget.admit(route, asked_by_a_person=person)
    try:
        answer = attempt()
    except Unavailable as error:
        if cut and isinstance(error.__cause__, requests.Timeout):
            raise OutOfTime(f"{error.message} (the page's time ran out)") from error
        circuit.failed(ticket, error)
        raise
    except FlownallyError:
        circuit.succeeded(ticket)  # it answered: Flownally is up
        raise
    circuit.succeeded(ticket)
    return answer


@contextmanager
def on_retry(hook: Callable[[float], None]) -> Iterator[None]:
    """Call `hook(wait)` before every retry made in this block, before its wait of `wait`
    seconds (cache.py renews its lock)."""
    token = _on_retry.set(hook)
    try:
        yield
    finally:
        _on_retry.reset(token)


def _timeouts(limit: Deadline | None) -> tuple[float, float]:
    connect, read = settings.FLOWNALLY_CONNECT_TIMEOUT, settings.FLOWNALLY_READ_TIMEOUT
    if limit is None:
        return connect, read
    left = limit.remaining()
    if left <= 0.01:
        raise limit.exceeded()
    return min(connect, left), min(read, left)


def _dropped(error: FlownallyError) -> bool:
    """A connection that failed outright (not one that timed out)."""
    cause = error.__cause__
    return isinstance(cause, requests.ConnectionError) and not isinstance(cause, requests.Timeout)


def _once(method, url, route, headers, params, json, files, stream, attempt, timeout) -> Answer:
    started = time.perf_counter()
    status, request_id = 0, None
    try:
        response = session().request(
            method,
            url,
            params=params,
            json=json,
            files=files,
            headers=headers,
            stream=stream,
            timeout=timeout,
        )
        status, request_id = response.status_code, response.headers.get("X-Request-Id")
        if stream and 200 <= status < 300:
            return Answer(status, None, dict(response.headers), response)
        body = _parse(response, route)
        if not 200 <= status < 300:
            raise error_from_response(status, body, route, dict(response.headers))
        return Answer(status, body, dict(response.headers))
    except requests.Timeout as exc:
        raise Unavailable(f"Flownally did not answer {route} in time") from exc
    except requests.ConnectionError as exc:
        raise Unavailable(f"Flownally could not be reached for {route}") from exc
    except requests.RequestException as exc:
        raise Unavailable(
            f"The request to Flownally for {route} failed ({type(exc).__name__})"
        ) from exc
    finally:
        duration_ms = round((time.perf_counter() - started) * 1000, 1)
        logger.info(
            "flownally %s -> %s in %.1f ms (request %s, attempt %d)",
            route,
            status or "no answer",
            duration_ms,
            request_id,
            attempt + 1,
            extra={
                "flownally": {
                    "route": route,
                    "status": status,
                    "request_id": request_id,
                    "duration_ms": duration_ms,
                    "attempt": attempt + 1,
                }
            },
        )


def _parse(response: requests.Response, route: str) -> object:
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        if response.status_code >= 500:
            return None  # a proxy's HTML error page: the status says enough
        raise BadResponse(
            f"Flownally's answer to {route} is not JSON",
            response.status_code,
            request_id=response.headers.get("X-Request-Id"),
        ) from None
