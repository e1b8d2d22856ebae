"""A first look at the configured Flownally account: does the URL answer, is the token good.

The full client (typed models, errors, retries, cache) replaces this in issue 3; until then
this is the one place outside the simulator that speaks HTTP to Flownally.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import requests
from django.conf import settings


@dataclass(frozen=True)
class ConnectionReport:
    api_url: str
    ok: bool
    problem: str = ""
    elapsed_ms: float = 0.0
    inboxes: list[dict] = field(default_factory=list)
    users: list[dict] = field(default_factory=list)
    conversations: list[dict] = field(default_factory=list)


def _get(session: requests.Session, path: str, **params: object) -> dict:
    response = session.get(
        f"{settings.FLOWNALLY_API_URL}{path}",
        params=params,
        headers={"Authorization": f"Bearer {settings.FLOWNALLY_API_TOKEN}"},
        timeout=(settings.FLOWNALLY_CONNECT_TIMEOUT, settings.FLOWNALLY_READ_TIMEOUT),
    )
    if response.status_code != 200:
        try:
            error = response.json()["error"]
            detail = f"{error['code']}: {error['message']}"
        except (ValueError, KeyError, TypeError):
            detail = f"HTTP {response.status_code}"
        raise _Problem(f"GET {path} answered {response.status_code} ({detail})")
    return response.json()


class _Problem(Exception):
    pass


def check_connection() -> ConnectionReport:
    """Read inboxes, users and the newest conversations; say plainly what went wrong."""
    started = time.perf_counter()
    url = settings.FLOWNALLY_API_URL
    try:
        with requests.Session() as session:
            inboxes = _get(session, "/inboxes")["inboxes"]
            users = _get(session, "/users")["users"]
            conversations = _get(session, "/conversations", pageSize=10)["conversations"]
    except _Problem as problem:
        return ConnectionReport(url, ok=False, problem=str(problem))
    except (ValueError, KeyError, TypeError):
        # Before RequestException: requests' JSONDecodeError is both.
        return ConnectionReport(url, ok=False, problem=f"{url} did not answer like Flownally")
    except requests.RequestException as exc:
        return ConnectionReport(
            url, ok=False, problem=f"{url} cannot be reached ({type(exc).__name__})"
        )
    return ConnectionReport(
        url,
        ok=True,
        elapsed_ms=(time.perf_counter() - started) * 1000,
        inboxes=inboxes,
        users=users,
        conversations=conversations,
    )
