"""Where the dashboard serves a message's media file (never Flownally's own URL)."""

from __future__ import annotations

import re

from django import template
from django.urls import reverse

register = template.Library()
_URL = re.compile(r"/media/(tn_[0-9A-Za-z]{10,64})/uploads/(mda_[0-9A-Za-z]{10,64})")


@register.filter
def media_link(upstream_url: str | None) -> str:
    """The dashboard URL that streams this upload, or '' when the URL is not Flownally's."""
    found = _URL.fullmatch(upstream_url or "")
    return reverse("media_file", args=found.groups()) if found else ""
