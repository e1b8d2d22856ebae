"""A first look at the configured Flownally account: does the URL answer, is the token good."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from django.conf import settings

from dashboard.flownally import client
from dashboard.flownally.errors import BadResponse, FlownallyError, PermissionDenied, Unavailable
from dashboard.flownally.models import Conversation, Inbox, User


@dataclass(frozen=True)
class ConnectionReport:
    api_url: str
    ok: bool
    problem: str = ""
    elapsed_ms: float = 0.0
    inboxes: tuple[Inbox, ...] = ()
    users: tuple[User, ...] = ()
    conversations: tuple[Conversation, ...] = field(default_factory=tuple)


def check_connection() -> ConnectionReport:
    """Read inboxes, users and the newest conversations at once; say plainly what failed."""
    started = time.perf_counter()
    url = settings.FLOWNALLY_API_URL
    try:
        inboxes, users, conversations = client.fan_out(
            client.inbox_list, client.user_list, lambda: client.conversation_list(page_size=10)
        )
    except PermissionDenied as error:
        return ConnectionReport(
            url, ok=False, problem=f"the token was refused ({error.status} {error.code})"
        )
    except BadResponse:
        return ConnectionReport(url, ok=False, problem=f"{url} did not answer like Flownally")
    except Unavailable:
        return ConnectionReport(url, ok=False, problem=f"{url} cannot be reached")
    except FlownallyError as error:
        return ConnectionReport(url, ok=False, problem=str(error))
    return ConnectionReport(
        url,
        ok=True,
        elapsed_ms=(time.perf_counter() - started) * 1000,
        inboxes=inboxes.items,
        users=users.items,
        conversations=conversations.items,
    )
