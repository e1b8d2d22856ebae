"""The control API under /_sim/: how tests move time, inject events and faults, and read
the request log. Local-only test equipment, so it takes no token.

  GET  /_sim/health                     liveness and tenant counts
  GET  /_sim/clock                      {"now", "frozen"}
  POST /_sim/clock                      {"advanceSeconds": n} | {"set": iso} | {"frozen": bool}
  POST /_sim/inbound                    a customer writes: {"conversationId", "text"} or
                                        {"channel", "externalId", "inboxId"?, "name"?, "text"}
  POST /_sim/messages/{id}/delivery     force {"deliveryStatus", "failureCode"?}
  GET|POST|DELETE /_sim/faults          list, add one rule (see faults.py), clear all
  GET|DELETE /_sim/requests             the API request log (?since=seq&route=label), clear it
  GET|POST /_sim/config                 read or change latencyMs, trafficPerMinute, failRate, …
  POST /_sim/reset                      a fresh tenant: {"seed", "conversations", "startTime",
                                        "frozen", "trafficPerMinute", "latencyMs"}
"""

from __future__ import annotations

import json
import re

from dashboard.simulator.clock import Clock, iso, parse_iso
from dashboard.simulator.config import SimConfig
from dashboard.simulator.errors import ApiError, detail, invalid, not_found
from dashboard.simulator.simulator import Simulator
from dashboard.simulator.validation import query_value

_DELIVERY = re.compile(r"/_sim/messages/(?P<id>msg_[0-9A-Za-z]{10,64})/delivery")


def handle(
    sim: Simulator, method: str, path: str, query: dict[str, list[str]], raw: bytes
) -> tuple[int, dict]:
    body = _json(raw)
    backend = sim.backend
    if path == "/_sim/health" and method == "GET":
        return 200, {"ok": True, **backend.stats()}
    if path == "/_sim/clock":
        if method == "POST":
            _move_clock(backend.clock, body)
        elif method != "GET":
            raise _method()
        return 200, {"now": iso(backend.clock.now_ms()), "frozen": backend.clock.frozen}
    if path == "/_sim/inbound" and method == "POST":
        return 201, backend.inbound(body)
    if (found := _DELIVERY.fullmatch(path)) and method == "POST":
        return 200, {"message": backend.force_delivery(found["id"], body)}
    if path == "/_sim/faults":
        if method == "POST":
            return 201, {"fault": sim.faults.add(body).as_json()}
        if method == "DELETE":
            sim.faults.clear()
        elif method != "GET":
            raise _method()
        return 200, {"faults": sim.faults.rules()}
    if path == "/_sim/requests":
        if method == "DELETE":
            sim.log.clear()
            return 200, {"requests": []}
        since = int((query.get("since") or ["0"])[0] or 0)
        route = query_value(query, "route")
        return 200, {"requests": sim.log.entries(since, route)}
    if path == "/_sim/config":
        if method == "POST":
            with backend.lock:
                backend.config.update(body)
        return 200, {"config": backend.config.as_json()}
    if path == "/_sim/reset" and method == "POST":
        _reset(sim, body)
        return 200, {"ok": True, **sim.backend.stats()}
    raise not_found("control endpoint")


def _json(raw: bytes) -> dict:
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except ValueError:
        raise ApiError(400, "invalid_json", "The request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_json", "The request body must be a JSON object.")
    return body


def _method() -> ApiError:
    return ApiError(405, "method_not_allowed", "Method not supported here.")


def _move_clock(clock: Clock, body: dict) -> None:
    try:
        if "frozen" in body:
            clock.freeze(bool(body["frozen"]))
        if "advanceSeconds" in body:
            clock.advance(int(float(body["advanceSeconds"]) * 1000))
        if "set" in body:
            clock.set(parse_iso(str(body["set"])))
    except (TypeError, ValueError) as exc:
        raise invalid(detail("clock", "invalid", str(exc))) from None


def _reset(sim: Simulator, body: dict) -> None:
    try:
        seed = int(body.get("seed", sim.backend.seed))
        conversations = int(body.get("conversations", 500))
        start_ms = parse_iso(body["startTime"]) if body.get("startTime") else None
    except (TypeError, ValueError) as exc:
        raise invalid(detail("reset", "invalid", str(exc))) from None
    if not 0 <= conversations <= 1_000_000:
        raise invalid(
            detail("conversations", "out_of_range", "conversations must be 0 to 1,000,000.")
        )
    config = SimConfig(latency_ms=sim.backend.config.latency_ms)
    config.update(
        {
            k: v
            for k, v in body.items()
            if k in ("trafficPerMinute", "latencyMs", "failRate", "readRate")
        }
    )
    sim.reset(
        seed=seed,
        conversations=conversations,
        start_ms=start_ms,
        frozen=bool(body.get("frozen", False)),
        config=config,
    )
