"""Faults on demand and the log of API requests served, both for tests to drive and read.

A fault rule matches requests by method and path regex and fires `times` times (or
forever), each match with `probability`. Kinds: `error` (a status with the contract's
error body), `rate_limit` (429 with Retry-After), `timeout` (hold the request for
`delayMs`, then answer normally; clients give up first), `latency` (add `delayMs`),
`malformed` (200 with a body that is not the contract's JSON), `disconnect` (close the
connection without an answer).
"""

from __future__ import annotations

import itertools
import random
import re
import threading
import time
from collections import deque
from dataclasses import dataclass

from dashboard.simulator.errors import ApiError, detail, invalid

# The contract's error code for each status an `error` fault may answer with.
_CODES = {
    400: "invalid_json",
    401: "unauthenticated",
    403: "insufficient_scope",
    404: "not_found",
    405: "method_not_allowed",
    409: "idempotency_in_progress",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_failed",
    429: "rate_limited",
    500: "internal_error",
}

KINDS = ("error", "rate_limit", "timeout", "latency", "malformed", "disconnect")


@dataclass
class FaultRule:
    id: int
    kind: str
    method: str | None
    path: re.Pattern[str]
    status: int
    retry_after: int
    delay_ms: int
    times: int | None
    probability: float

    def error(self) -> ApiError:
        """The answer of an `error` or `rate_limit` rule, shaped as the contract says."""
        headers = {}
        if self.status in (409, 429, 503):
            headers["Retry-After"] = str(self.retry_after)
        if self.status == 401:
            headers["WWW-Authenticate"] = 'Bearer realm="flownally"'
        if self.status == 405:
            headers["Allow"] = "GET, POST"
        details = [detail("fault", "invalid", "Injected fault.")] if self.status == 422 else []
        code = _CODES.get(self.status, "internal_error" if self.status < 502 else "unavailable")
        return ApiError(self.status, code, f"Injected fault ({self.kind}).", details, headers)

    def as_json(self) -> dict:
        return {
            "id": self.id,
            "kind": self.kind,
            "method": self.method,
            "path": self.path.pattern,
            "status": self.status,
            "retryAfter": self.retry_after,
            "delayMs": self.delay_ms,
            "times": self.times,
            "probability": self.probability,
        }


class Faults:
    def __init__(self, seed_value: int = 0) -> None:
        self._lock = threading.Lock()
        self._rules: list[FaultRule] = []
        self._ids = itertools.count(1)
        self._rng = random.Random(seed_value)

    def add(self, body: dict) -> FaultRule:
        kind = body.get("kind")
        if kind not in KINDS:
            raise invalid(detail("kind", "invalid", f"kind must be one of: {', '.join(KINDS)}."))
        try:
            path = re.compile(str(body.get("path", "")))
            rule = FaultRule(
                id=0,
                kind=kind,
                method=(body.get("method") or None) and str(body["method"]).upper(),
                path=path,
                status=int(body.get("status", 429 if kind == "rate_limit" else 503)),
                retry_after=int(body.get("retryAfter", 1)),
                delay_ms=int(body.get("delayMs", 30_000 if kind == "timeout" else 200)),
                times=None if body.get("times") is None else int(body["times"]),
                probability=float(body.get("probability", 1.0)),
            )
        except (re.error, TypeError, ValueError) as exc:
            raise invalid(detail("fault", "invalid", f"Not a valid fault rule: {exc}")) from None
        if not 400 <= rule.status <= 599:
            raise invalid(
                detail("status", "out_of_range", "status must be an HTTP error status (400-599).")
            )
        with self._lock:
            rule.id = next(self._ids)
            self._rules.append(rule)
        return rule

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    def rules(self) -> list[dict]:
        with self._lock:
            return [rule.as_json() for rule in self._rules]

    def match(self, method: str, path: str) -> list[FaultRule]:
        """The rules that fire for this request, oldest first: any latency and timeout rules,
        then at most one rule that answers instead of the API. A rule's `times` is used up
        only when it fires."""
        fired = []
        with self._lock:
            for rule in list(self._rules):
                if rule.method not in (None, method) or not rule.path.search(path):
                    continue
                if rule.probability < 1 and self._rng.random() >= rule.probability:
                    continue
                fired.append(rule)
                if rule.times is not None:
                    rule.times -= 1
                    if rule.times <= 0:
                        self._rules.remove(rule)
                if rule.kind not in ("latency", "timeout"):
                    break
        return fired


class RequestLog:
    """API requests served, oldest first, each with wall-clock start and end (seconds)."""

    def __init__(self, limit: int = 100_000) -> None:
        self._lock = threading.Lock()
        self._entries: deque[dict] = deque(maxlen=limit)
        self._seq = itertools.count(1)

    def start(self, method: str, path: str, query: str) -> dict:
        return {
            "seq": 0,
            "method": method,
            "path": path,
            "query": query,
            "route": None,
            "status": None,
            "startedAt": time.time(),
            "endedAt": None,
            "durationMs": None,
            "requestId": None,
            "idempotencyKey": None,
            "replayed": False,
            "fault": None,
        }

    def finish(self, entry: dict) -> None:
        if entry["endedAt"] is not None:
            return  # already logged
        entry["endedAt"] = time.time()
        entry["durationMs"] = round((entry["endedAt"] - entry["startedAt"]) * 1000, 3)
        with self._lock:
            entry["seq"] = next(self._seq)
            self._entries.append(entry)

    def entries(self, since: int = 0, route: str | None = None) -> list[dict]:
        with self._lock:
            return [
                e
                for e in self._entries
                if e["seq"] > since and (route is None or e["route"] == route)
            ]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
