"""Reactions: a member of the team reacts to a message with an emoji, or takes it back.

Like WhatsApp: one reaction per sender per message, and a new emoji replaces the old.
Taking back a reaction that is not there answers as if it had been, so a retry is safe.
"""

from __future__ import annotations

from dashboard.simulator import render, validation
from dashboard.simulator.customers import catch_up
from dashboard.simulator.errors import detail, invalid
from dashboard.simulator.models import Reaction
from dashboard.simulator.state import TenantState

_NO_REACTIONS = ("sms", "email")  # channels that have no reactions at all


def message_react(state: TenantState, message_id: str, body: dict, sender_id: str | None) -> dict:
    emoji = validation.emoji(body.get("emoji"))
    removed = body.get("removed", False)
    if not isinstance(removed, bool):
        raise invalid(detail("removed", "invalid", "removed must be true or false."))
    with state.lock:
        catch_up(state)
        msg = state.message(message_id)
        channel = state.conversations[msg.conversation_id].channel
        if channel in _NO_REACTIONS:
            raise invalid(detail("id", "not_allowed", f"Reactions are not available on {channel}."))
        now = state.clock.now_ms()
        mine = next(
            (r for r in msg.reactions if r.sender_id == sender_id and r.sender_type == "user"),
            None,
        )
        if removed:
            if mine is not None and mine.emoji == emoji:
                msg.reactions.remove(mine)
                msg.reactions_changed_ms = now
                return {"reaction": render.reaction(mine, removed=True)}
            gone = Reaction(state.new_id("rxn", now), msg.id, "user", sender_id, emoji, now)
            return {"reaction": render.reaction(gone, removed=True)}
        if mine is not None and mine.emoji == emoji:
            return {"reaction": render.reaction(mine)}
        if mine is not None:
            msg.reactions.remove(mine)
        reaction = Reaction(state.new_id("rxn", now), msg.id, "user", sender_id, emoji, now)
        msg.reactions.append(reaction)
        msg.reactions_changed_ms = now
        return {"reaction": render.reaction(reaction)}
