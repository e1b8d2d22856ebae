"""Messages this dashboard sent lately, by the dashboard's own clock.

The timeline follows an outbound message's delivery while it is young (timeline.following),
judged by the `createdAt` Flownally gives it. Flownally's clock need not be ours: a reply
sent from here is remembered for TIMELINE_FOLLOW_SECONDS of our time as well, so its
delivery is followed however far apart the two clocks are.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from django.core.cache import cache

_KEY = "sent:{}"


def remember(message_id: str) -> None:
    cache.set(_KEY.format(message_id), 1, settings.TIMELINE_FOLLOW_SECONDS)


def lately(message_ids: Sequence[str]) -> bool:
    """Whether any of these was sent from here within TIMELINE_FOLLOW_SECONDS."""
    return bool(message_ids) and bool(cache.get_many([_KEY.format(m) for m in message_ids]))
