"""The action panel of a conversation page: its forms, each with its own idempotency key."""

from __future__ import annotations

from django.conf import settings

from dashboard.conversations import forms
from dashboard.conversations.template_names import template_names_used
from dashboard.flownally.models import ConversationDetails


def panel_forms(
    details: ConversationDetails,
    newest_message_id: str | None,
    users: dict[str, str],
    bound: dict | None = None,
    *,
    me: str | None = None,
) -> dict:
    """Fresh forms for the action panel (each with a new idempotency key), `bound` ones kept;
    `me` is the signed-in account's team member, first in the reassign menu."""
    free_text = details.sendability.free_text
    made = {
        "media_max_bytes": settings.MEDIA_MAX_BYTES,
        "media_accept": ",".join(settings.MEDIA_ACCEPTED_TYPES),
        "reply_form": forms.ReplyForm(
            initial={"kind": "text" if free_text else "template"},
            channel=details.channel,
            used_templates=template_names_used(),
        ),
        "reassign_form": forms.ReassignForm(
            users=users, me=me, initial={"user_id": details.assignee_id}
        ),
        "close_form": forms.CloseForm(),
        "read_form": forms.MarkReadForm(initial={"last_message_id": newest_message_id})
        if newest_message_id
        else None,
    }
    return made | (bound or {})
