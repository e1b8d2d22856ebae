"""Kiosk tokens are passwords in a URL: keep them out of every log line.

A kiosk screen's URL (`/wallboard/k/<token>/…`) reaches the logs as the request path, as
the Referer of its refreshes and in htmx's HX-Current-URL header. `redact` replaces the
token wherever it appears; gunicorn's access log (gunicorn.conf.py) and Django's own log
records (`RedactKioskTokens`, in settings.LOGGING) both go through it.
"""

from __future__ import annotations

import logging
import re

_KIOSK = re.compile(r"(/wallboard/k/)[^/\s?#\"']+")


def redact(text: str) -> str:
    return _KIOSK.sub(r"\1[token]", text) if "/k/" in text else text


class RedactKioskTokens(logging.Filter):
    """A logging filter that rewrites the formatted message of records carrying a token."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True
