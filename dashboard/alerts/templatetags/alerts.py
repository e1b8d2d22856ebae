"""`{% alert_watch %}`: the alert poll's element, in base.html for whoever may view
conversations, with what is already known when the page loads (never notified) and the
user's choice of sound and desktop notifications."""

from __future__ import annotations

from django import template

from dashboard.alerts.models import AlertPreference
from dashboard.alerts.views import current_state, poll_context

register = template.Library()


@register.inclusion_tag("alerts/state.html#alert-state", takes_context=True)
def alert_watch(context: template.Context) -> dict:
    user = context["user"]
    return {
        "alert_state": current_state(),
        "choice": AlertPreference.of(user),
        "first": True,
        **poll_context(),
    }
