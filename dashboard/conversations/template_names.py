"""The WhatsApp template names this team has sent before, with their languages: offered on
the reply and new message forms so a name is picked rather than remembered and retyped."""

from __future__ import annotations

import re

from dashboard.accounts.models import AuditEntry

# The audit summary of a sent template (forms.ReplyForm.summary): the log keeps no message
# text, but a template's name and language are not the customer's words.
_SUMMARY = re.compile(r"^template ([a-z0-9_]{1,512}) \(([A-Za-z_]{2,8})\)$")

# How many audit entries to look through: enough for any team's set of templates.
_LOOK_BACK = 500


def template_names_used(limit: int = 30) -> list[tuple[str, str]]:
    """(name, language) pairs Flownally accepted, the most recently sent first."""
    summaries = (
        AuditEntry.objects.filter(
            action__in=(AuditEntry.Action.REPLY, AuditEntry.Action.SEND_NEW),
            outcome=AuditEntry.Outcome.OK,
            summary__startswith="template ",
        )
        .order_by("-at", "-id")
        .values_list("summary", flat=True)[:_LOOK_BACK]
    )
    found: dict[tuple[str, str], None] = {}
    for summary in summaries:
        if (match := _SUMMARY.match(summary)) and len(found) < limit:
            found.setdefault((match[1], match[2]), None)
    return list(found)
