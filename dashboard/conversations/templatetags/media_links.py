"""Where the dashboard serves a message's media file (never Flownally's own URL)."""

from __future__ import annotations

from django import template
from django.urls import reverse

from dashboard.flownally import client

register = template.Library()


@register.filter
def media_link(upstream_url: str | None) -> str:
    """The dashboard URL that streams this upload, or '' when the URL is not Flownally's."""
    ref = client.media_ref(upstream_url)
    return reverse("media_file", args=ref) if ref else ""
