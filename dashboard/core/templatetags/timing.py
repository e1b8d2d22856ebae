"""How long ago, and how long a customer has waited, in words a supervisor scans fast."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.conf import settings
from django.utils import timezone

from dashboard.core.waits import duration, wait_level

register = template.Library()


def _seconds_since(value: datetime | None) -> float | None:
    if value is None:
        return None
    return max(0.0, (timezone.now() - value).total_seconds())


@register.filter
def ago(value: datetime | None) -> str:
    """'just now', '4 min ago', '3 h ago', '2 d ago'."""
    seconds = _seconds_since(value)
    if seconds is None:
        return ""
    if seconds < 45:
        return "just now"
    return f"{duration(seconds)} ago"


@register.filter(name="duration")
def duration_filter(seconds: float | None) -> str:
    """'12 min' for a number of seconds."""
    return "" if seconds is None else duration(seconds)


@register.filter
def rough_duration(seconds: float | None) -> str:
    """Its largest unit only ('17 h', '45 min'), for a number read from across a room."""
    if seconds is None:
        return ""
    return " ".join(duration(seconds).split(" ")[:2])


@register.filter
def age_words(seconds: float | None) -> str:
    """'4 s', '3 min', '1 h 5 min': how old something is (live.js words it the same)."""
    if seconds is None:
        return ""
    return f"{int(seconds)} s" if seconds < 60 else duration(seconds)


@register.filter
def waited(value: datetime | None) -> str:
    """'12 min', '3 h 5 min' since `value`."""
    seconds = _seconds_since(value)
    return "" if seconds is None else duration(seconds)


@register.filter(name="wait_level")
def wait_level_since(value: datetime | None) -> str:
    """'ok', 'warn' or 'alert' by the WAIT_WARN_MINUTES / WAIT_ALERT_MINUTES settings."""
    return level(_seconds_since(value))


@register.filter
def level(seconds: float | None) -> str:
    """The same for a wait given in seconds."""
    return wait_level(seconds, settings.WAIT_WARN_MINUTES, settings.WAIT_ALERT_MINUTES)


@register.filter
def until(value: datetime | None) -> str:
    """'3 h 12 min' from now until `value` ('' when past)."""
    if value is None:
        return ""
    seconds = (value - timezone.now()).total_seconds()
    return duration(seconds) if seconds > 0 else ""


@register.filter
def urgency(level: str) -> str:
    """A wait level in a word ('' while still fine): the pill's colour is never the only sign."""
    return {"warn": "long", "alert": "urgent"}.get(level, "")
