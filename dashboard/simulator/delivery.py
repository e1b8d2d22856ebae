"""An outbound message's delivery: planned when it is sent, forced when a test says so.

A message does not move through its states by itself: when it is sent, `plan` decides,
from the config and the seeded generator, when it will be sent, delivered and read (or
when it will fail), and its status at any moment is read off that plan against the clock
(`Delivery.status_at`). A test that cannot wait forces a state through
/_sim/messages/{id}/delivery (`force_delivery`).
"""

from __future__ import annotations

from dashboard.simulator.errors import detail, invalid
from dashboard.simulator.models import Delivery
from dashboard.simulator.state import TenantState

# Why a channel refuses a message, by content type; anything else is an unreachable customer.
_FAILURE_BY_CONTENT = {"template": "template_rejected", "media": "media_rejected"}
_FORCEABLE = ("sent", "delivered", "read", "failed")


def plan(state: TenantState, at: int, content: dict) -> Delivery:
    """When a message sent at `at` reaches each state, drawn from the config's rates."""
    cfg = state.config
    channel_id = f"sim.{state.rng.getrandbits(64):016x}"
    if state.rng.random() < cfg.fail_rate:
        return Delivery(
            at,
            at + cfg.sent_after_ms,
            failed_ms=at + cfg.failed_after_ms,
            failure_code=_FAILURE_BY_CONTENT.get(content["type"], "recipient_unreachable"),
            channel_message_id=channel_id,
        )
    read = at + cfg.read_after_ms if state.rng.random() < cfg.read_rate else None
    return Delivery(
        at,
        at + cfg.sent_after_ms,
        at + cfg.delivered_after_ms,
        read,
        channel_message_id=channel_id,
    )


def force_delivery(state: TenantState, message_id: str, body: dict) -> dict:
    """Move an outbound message to a delivery status now (earlier states keep their time)."""
    status = body.get("deliveryStatus")
    if status not in _FORCEABLE:
        raise invalid(
            detail(
                "deliveryStatus",
                "invalid",
                "deliveryStatus must be sent, delivered, read or failed.",
            )
        )
    with state.lock:
        msg = state.message(message_id)
        if msg.delivery is None:
            raise invalid(
                detail("id", "not_allowed", "Customer messages have no delivery to force.")
            )
        now, planned = state.clock.now_ms(), msg.delivery
        planned.sent_ms = min(planned.sent_ms or now, now)
        if status == "failed":
            planned.failed_ms = now
            planned.failure_code = body.get("failureCode") or "recipient_unreachable"
            planned.delivered_ms = planned.read_ms = None
        else:
            planned.failed_ms = None
            planned.delivered_ms = (
                min(planned.delivered_ms or now, now) if status in ("delivered", "read") else None
            )
            planned.read_ms = now if status == "read" else None
        return state.render_message(msg, now)
