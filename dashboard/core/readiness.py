"""What /readyz reports: the database, the shared cache and Flownally, each in a few words.

No check may hang a load balancer's probe: the database is asked for `SELECT 1` (with the
connect timeout from settings), the cache for one round trip, and Flownally not at all —
its state is the circuit breaker's, which the requests themselves keep up to date.
"""

from __future__ import annotations

import time

from django.db import connection
from django.db.utils import DatabaseError

from dashboard.core import cache_health
from dashboard.flownally import circuit


def _database() -> dict:
    started = time.perf_counter()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as error:
        return {"status": "down", "detail": type(error).__name__}
    return {"status": "ok", "ms": round((time.perf_counter() - started) * 1000, 1)}


def _cache() -> dict:
    started = time.perf_counter()
    state, detail = cache_health.status()
    ms = round((time.perf_counter() - started) * 1000, 1)
    return {"status": "down" if state == "down" else "ok", "detail": detail, "ms": ms}


def _flownally() -> dict:
    found = circuit.state()
    status = "ok" if found.name == "closed" else found.name
    return {"status": status, "circuit": found.name, "since": found.since}


def check() -> dict:
    parts = {"database": _database(), "cache": _cache(), "flownally": _flownally()}
    if parts["database"]["status"] != "ok":
        status = "unready"
    elif any(part["status"] != "ok" for part in parts.values()):
        status = "degraded"
    else:
        status = "ready"
    return {"status": status, **parts}
