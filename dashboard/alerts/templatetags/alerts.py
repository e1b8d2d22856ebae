"""`{% alert_watch %}`: the alert poll's element, in base.html for whoever may view
conversations, with what is already known when the page loads (never notified) and the
user's choice of sound and desktop notifications. ALERTS_POLL_SECONDS=0: no poll."""

from __future__ import annotations

from django import template
from django.conf import settings

from dashboard.alerts.models import AlertPreference
from dashboard.alerts.views import current_state, poll_context

register = template.Library()


@register.inclusion_tag("alerts/state.html#alert-state", takes_context=True)
def alert_watch(context: template.Context) -> dict:
    if not settings.ALERTS_POLL_SECONDS:
        return {"off": True}
    user = context["user"]
    return {
        "alert_state": current_state(keep_walked=False),
        "choice": AlertPreference.of(user),
        "first": True,
        **poll_context(),
    }
