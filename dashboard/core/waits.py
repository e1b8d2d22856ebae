"""How long a customer has waited, in words and in levels: shared by the list, the
conversation page and the wallboard, so that every screen colours a wait alike."""

from __future__ import annotations


def wait_level(seconds: float | None, warn_minutes: int, alert_minutes: int) -> str:
    """'ok', 'warn' or 'alert' for a wait, by the configured thresholds ('' for no wait)."""
    if seconds is None:
        return ""
    if seconds < warn_minutes * 60:
        return "ok"
    return "warn" if seconds < alert_minutes * 60 else "alert"


def duration(seconds: float) -> str:
    """'<1 min', '12 min', '3 h 5 min', '2 d 4 h'."""
    minutes = int(seconds // 60)
    if minutes < 1:
        return "<1 min"
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"
