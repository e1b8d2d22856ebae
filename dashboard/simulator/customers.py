"""What customers do: write in as the clock moves, or when a test says so.

Before each operation the tenant catches up with the clock (`catch_up`): customers write
in at the configured rate, each event at its own moment in the past, so state is a
function of clock time and a test moves time instead of sleeping. A test makes one
customer write at once through /_sim/inbound (`inbound`).
"""

from __future__ import annotations

from dashboard.simulator import render, validation
from dashboard.simulator.content import text
from dashboard.simulator.corpus import FIRST_NAMES, LAST_NAMES, NEW_CUSTOMER_LINES, REPLY_LINES
from dashboard.simulator.errors import detail, invalid
from dashboard.simulator.models import Conversation, Message
from dashboard.simulator.state import TenantState
from dashboard.simulator.validation import Problems

# After a long jump of the clock, events beyond this many are skipped, not replayed.
_MAX_EVENTS_PER_CATCH_UP = 5000


def catch_up(state: TenantState) -> None:
    """Let customers write in for every moment since the last operation."""
    now = state.clock.now_ms()
    rate = state.config.traffic_per_minute / 60_000
    if rate <= 0:
        state.next_event_ms = None
        return
    if state.next_event_ms is None:
        state.next_event_ms = now + int(state.rng.expovariate(rate)) + 1
    for _ in range(_MAX_EVENTS_PER_CATCH_UP):
        if state.next_event_ms > now:
            return
        _customer_event(state, state.next_event_ms)
        state.next_event_ms += int(state.rng.expovariate(rate)) + 1
    state.next_event_ms = now + int(state.rng.expovariate(rate)) + 1  # a huge jump: skip the rest


def _customer_event(state: TenantState, at: int) -> None:
    """A new customer writes in (a quarter of the time), or one with a conversation does."""
    rng = state.rng
    roll = rng.random()
    active = [status for status in ("open", "pending") if state.index.count(status)]
    if roll < 0.25 or not active:
        inbox = rng.choice([inbox for inbox in state.inboxes.values()])
        number = rng.randrange(500_000_000, 899_999_999)
        external = {
            "email": f"customer.{number}@example.com",
            "webchat": f"visitor-{number:x}",
        }.get(inbox.channel, f"48{number}")
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        conv = state.start_conversation(
            inbox, state.new_contact(inbox.channel, external, name, at), external, at
        )
        add_customer_message(state, conv, at, text(rng.choice(NEW_CUSTOMER_LINES)))
        return
    status = "closed" if roll > 0.9 and state.index.count("closed") else rng.choice(active)
    conv = state.conversations[state.index.at(status, rng.randrange(state.index.count(status)))]
    add_customer_message(state, conv, at, text(rng.choice(REPLY_LINES)))


def add_customer_message(state: TenantState, conv: Conversation, at: int, content: dict) -> Message:
    """The customer's message; it reopens a closed conversation and starts the wait."""
    msg = Message(state.new_id("msg", at), conv.id, at, "customer", conv.contact_id, content, None)
    state.append(conv, msg)
    conv.last_customer_ms = msg.created_ms
    conv.unread += 1
    if conv.status == "closed":
        conv.status = "open" if conv.assignee_id else "pending"
    if conv.waiting_ms is None:
        conv.waiting_ms = msg.created_ms
    state.index.update(conv, state.clock.now_ms())
    return msg


def inbound(state: TenantState, body: dict) -> dict:
    """A customer writes: into a conversation, or from an address (maybe a new one)."""
    problems = Problems()
    said = body.get("text")
    content = validation.content(body["content"], problems) if "content" in body else None
    if content is None and not problems.details:
        if not isinstance(said, str) or not said:
            problems.add("text", "required", "Give the customer's text (or a content object).")
        else:
            content = text(said)
    problems.raise_if_any()
    assert content is not None  # else raise_if_any refused the request
    with state.lock:
        catch_up(state)
        now = state.clock.now_ms()
        if "conversationId" in body:
            conv = state.conversation(str(body["conversationId"]))
        else:
            conv = _conversation_from_address(state, body, now)
        msg = add_customer_message(state, conv, now, content)
        return {
            "message": state.render_message(msg, now),
            "conversation": render.conversation(conv),
        }


def _conversation_from_address(state: TenantState, body: dict, now: int) -> Conversation:
    """The latest conversation with the address, or a new one (and a new contact)."""
    channel, raw = body.get("channel"), body.get("externalId")
    if channel not in validation.CHANNELS or not isinstance(raw, str):
        raise invalid(
            detail("channel", "required", "Give conversationId, or channel and externalId.")
        )
    external = validation.normalize_external_id(channel, raw)
    if external is None:
        raise invalid(detail("externalId", "invalid", f"Not a valid {channel} address."))
    existing = state.at_address(channel, external)
    if existing:
        return max(existing, key=lambda c: c.last_ms)
    inbox = state.inbox(body.get("inboxId")) or next(
        i for i in state.inboxes.values() if i.channel == channel
    )
    name = body.get("name") if isinstance(body.get("name"), str) else None
    return state.start_conversation(
        inbox, state.new_contact(channel, external, name, now), external, now
    )
