"""The Flownally API, one function per operation. Views use this module and nothing else.

Reference: docs/reference/flownally-messaging.txt; contract: openapi.yaml beside this file.
Reads go through a short-TTL cache (cache.py); writes invalidate what they change. Every
path ID is checked against the contract's format before a request is built, so user input
can never steer a request to another path.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlencode

from django.conf import settings

from dashboard.flownally import cache, sent, transport
from dashboard.flownally.errors import NotFound
from dashboard.flownally.fanout import fan_out as fan_out  # views call client.fan_out
from dashboard.flownally.models import (
    Conversation,
    ConversationDetails,
    Inbox,
    MediaUpload,
    Message,
    Page,
    Reaction,
    SendResult,
    User,
)

_ID = {
    prefix: re.compile(rf"{prefix}_[0-9A-Za-z]{{10,64}}")
    for prefix in ("cnv", "msg", "usr", "ibx", "con", "mda", "tn")
}
_MEDIA_URL = re.compile(r"/media/(tn_[0-9A-Za-z]{10,64})/uploads/(mda_[0-9A-Za-z]{10,64})")


def valid_id(prefix: str, value: object) -> str:
    """`value` if it has the contract's ID format, else NotFound (and no request is made)."""
    if isinstance(value, str) and _ID[prefix].fullmatch(value):
        return value
    raise NotFound(f"{value!r} is not a Flownally {prefix} ID")


# --- building request bodies ---------------------------------------------------------------


def text(body: str) -> dict:
    return {"type": "text", "text": {"body": body}}


def template(name: str, language: str, parameters: list[str] | None = None) -> dict:
    return {
        "type": "template",
        "template": {
            "name": name,
            "language": language,
            **({"parameters": parameters} if parameters else {}),
        },
    }


def media(media_id: str, caption: str | None = None) -> dict:
    return {
        "type": "media",
        "media": {"mediaId": media_id, **({"caption": caption} if caption else {})},
    }


def to_conversation(conversation_id: str) -> dict:
    return {"type": "conversation", "conversationId": conversation_id}


def to_contact(contact_id: str) -> dict:
    return {"type": "contact", "contactId": contact_id}


def to_channel(channel: str, external_id: str) -> dict:
    return {"type": "channel", "channel": channel, "externalId": external_id}


# --- reads ---------------------------------------------------------------------------------


def _read(
    path: str,
    route: str,
    params: dict | None,
    ttl: float,
    tags: tuple[str, ...],
    allow_stale: bool = False,
) -> cache.Cached:
    params = {k: v for k, v in (params or {}).items() if v is not None}
    name = f"{path}?{urlencode(sorted(params.items()), doseq=True)}"

    def fetch() -> Any:
        return transport.request("GET", path, route, params=params).body

    if ttl <= 0:
        return cache.Cached(fetch())
    return cache.read_through(name, tags, ttl, fetch, allow_stale=allow_stale)


def _page[T](found: cache.Cached, key: str, parse: Callable[[object], T]) -> Page[T]:
    page = Page.from_api(found.value, key, parse)
    return Page(page.items, page.next_page_token, found.stale, found.age)


def conversation_list(
    *,
    status: tuple[str, ...] | list[str] = (),
    interacted: bool | None = None,
    sort: str | None = None,
    page_size: int | None = None,
    page_token: str | None = None,
    allow_stale: bool = False,
    cached: bool = True,
) -> Page[Conversation]:
    """GET /conversations: one page, newest activity first unless `sort` says otherwise.
    `cached=False` reads past the cache: for a walk whose result is cached as a whole."""
    params = {
        "status": list(status) or None,
        "interacted": None if interacted is None else str(interacted).lower(),
        "sort": sort,
        "pageSize": page_size,
        "pageToken": page_token or None,
    }
    found = _read(
        "/conversations",
        "GET /conversations",
        params,
        settings.FLOWNALLY_CACHE_TTL_LIST if cached else 0,
        ("conversations",),
        allow_stale,
    )
    return _page(found, "conversations", Conversation.from_api)


def iter_conversations(**filters: Any) -> Iterator[Conversation]:
    """Every conversation matching the filters, page after page."""
    return _walk(conversation_list, **filters)


def conversation_get(
    conversation_id: str,
    *,
    cached: bool = True,
    allow_stale: bool = False,
    ttl: float | None = None,
) -> ConversationDetails:
    """GET /conversations/{id}: the conversation with its sendability window (`.stale` and
    `.age` say whether it is the last good copy, served while Flownally fails).
    `cached=False` reads past the cache: to check it just before acting on it. `ttl`: how
    old a cached copy may be instead of FLOWNALLY_CACHE_TTL_CONVERSATION (the timeline's
    poll trusts older ones while the change feed watches, conversations/news.py)."""
    cid = valid_id("cnv", conversation_id)
    default = settings.FLOWNALLY_CACHE_TTL_CONVERSATION if ttl is None else ttl
    found = _read(
        f"/conversations/{cid}",
        "GET /conversations/{id}",
        None,
        default if cached else 0,
        (f"cnv:{cid}",),
        allow_stale,
    )
    details = ConversationDetails.from_api(found.value)
    return dataclasses.replace(details, stale=found.stale, age=found.age)


def conversation_messages(
    conversation_id: str,
    *,
    page_size: int | None = None,
    page_token: str | None = None,
    allow_stale: bool = False,
    ttl: float | None = None,
) -> Page[Message]:
    """GET /conversations/{id}/messages: newest first; the token leads to older ones.
    `ttl` as for conversation_get (default FLOWNALLY_CACHE_TTL_MESSAGES)."""
    cid = valid_id("cnv", conversation_id)
    params = {"pageSize": page_size, "pageToken": page_token or None}
    found = _read(
        f"/conversations/{cid}/messages",
        "GET /conversations/{id}/messages",
        params,
        settings.FLOWNALLY_CACHE_TTL_MESSAGES if ttl is None else ttl,
        (f"cnv:{cid}",),
        allow_stale,
    )
    return _page(found, "messages", Message.from_api)


def iter_messages(conversation_id: str, *, page_size: int | None = None) -> Iterator[Message]:
    """Every message of a conversation, newest first."""
    return _walk(
        lambda **paging: conversation_messages(conversation_id, **paging), page_size=page_size
    )


def message_get(message_id: str, *, allow_stale: bool = False) -> SendResult:
    """GET /messages/{id}: a message's delivery state and its conversation."""
    mid = valid_id("msg", message_id)
    found = _read(
        f"/messages/{mid}",
        "GET /messages/{id}",
        None,
        settings.FLOWNALLY_CACHE_TTL_MESSAGES,
        (f"msg:{mid}",),
        allow_stale,
    )
    return SendResult.from_api(found.value)


def inbox_list(*, page_size: int | None = None, page_token: str | None = None) -> Page[Inbox]:
    """GET /inboxes: the sender inboxes."""
    return _directory("/inboxes", "inboxes", Inbox.from_api, page_size, page_token)


def iter_inboxes() -> Iterator[Inbox]:
    return _walk(inbox_list, page_size=100)


def user_list(*, page_size: int | None = None, page_token: str | None = None) -> Page[User]:
    """GET /users: the team members conversations can be assigned to."""
    return _directory("/users", "users", User.from_api, page_size, page_token)


def iter_users() -> Iterator[User]:
    return _walk(user_list, page_size=100)


def _directory[T](
    path: str, key: str, parse: Callable[[object], T], page_size: int | None, page_token: str | None
) -> Page[T]:
    """Inboxes and users change rarely: cached for FLOWNALLY_CACHE_TTL_DIRECTORY, and
    their last good copy serves while Flownally fails (names are better than IDs)."""
    params = {"pageSize": page_size, "pageToken": page_token or None}
    found = _read(
        path, f"GET {path}", params, settings.FLOWNALLY_CACHE_TTL_DIRECTORY, ("directory",), True
    )
    return _page(found, key, parse)


def _walk[T](list_page: Callable[..., Page[T]], **params: Any) -> Iterator[T]:
    """Items of every page of a list call, following nextPageToken to the end."""
    token = None
    while True:
        page = list_page(**params, page_token=token)
        yield from page.items
        if not page.next_page_token:
            return
        token = page.next_page_token


def media_url(tenant_id: str, media_id: str) -> str:
    """An upload's `url` as Flownally gives it (relative to the API base); NotFound for IDs
    without the contract's format."""
    return f"/media/{valid_id('tn', tenant_id)}/uploads/{valid_id('mda', media_id)}"


def media_ref(url: object) -> tuple[str, str] | None:
    """(tenant ID, media ID) of an upload's `url`; None for any URL that is not one."""
    found = _MEDIA_URL.fullmatch(url) if isinstance(url, str) else None
    return (found[1], found[2]) if found else None


def media_download(url: str) -> transport.Answer:
    """GET a media upload's `url` as a stream (close `.raw` when done)."""
    if media_ref(url) is None:
        raise NotFound(f"{url!r} is not a Flownally media URL")
    return transport.request("GET", url, "GET /media/{tenantId}/uploads/{mediaId}", stream=True)


# --- writes --------------------------------------------------------------------------------


def message_send(
    recipient: dict,
    content: dict,
    *,
    inbox_id: str | None = None,
    idempotency_key: str | None = None,
) -> SendResult:
    """POST /messages: start or continue a conversation by recipient (202: accepted)."""
    body = {
        "recipient": recipient,
        "content": content,
        **({"inboxId": valid_id("ibx", inbox_id)} if inbox_id else {}),
    }
    try:
        answer = transport.request(
            "POST", "/messages", "POST /messages", json=body, idempotency_key=idempotency_key
        )
    finally:
        # Even on a timeout: it may have been sent.
        known = (
            [f"cnv:{recipient['conversationId']}"]
            if recipient.get("type") == "conversation"
            else []
        )
        cache.invalidate("conversations", *known)
    result = SendResult.from_api(answer.body)
    cache.invalidate(f"cnv:{result.conversation.id}")
    sent.remember(result.message.id)
    return result


def conversation_message_send(
    conversation_id: str,
    content: dict,
    *,
    inbox_id: str | None = None,
    idempotency_key: str | None = None,
) -> SendResult:
    """POST /conversations/{id}/messages: reply in a conversation (202: accepted)."""
    cid = valid_id("cnv", conversation_id)
    body = {"content": content, **({"inboxId": valid_id("ibx", inbox_id)} if inbox_id else {})}
    try:
        answer = transport.request(
            "POST",
            f"/conversations/{cid}/messages",
            "POST /conversations/{id}/messages",
            json=body,
            idempotency_key=idempotency_key,
        )
    finally:
        cache.invalidate("conversations", f"cnv:{cid}")  # even on a timeout: it may have been sent
    result = SendResult.from_api(answer.body)
    sent.remember(result.message.id)
    return result


def message_react(
    message_id: str,
    emoji: str,
    *,
    removed: bool = False,
    conversation_id: str | None = None,
    idempotency_key: str | None = None,
) -> Reaction:
    """POST /messages/{id}/reactions: add a reaction, or remove it with `removed=True`."""
    mid = valid_id("msg", message_id)
    tags = [f"msg:{mid}"] + ([f"cnv:{valid_id('cnv', conversation_id)}"] if conversation_id else [])
    try:
        answer = transport.request(
            "POST",
            f"/messages/{mid}/reactions",
            "POST /messages/{id}/reactions",
            json={"emoji": emoji, "removed": removed},
            idempotency_key=idempotency_key,
        )
    finally:
        cache.invalidate(*tags)
    return Reaction.from_api(answer.body.get("reaction") if isinstance(answer.body, dict) else None)


def conversation_reassign(
    conversation_id: str, user_id: str, *, idempotency_key: str | None = None
) -> None:
    """POST /conversations/{id}/reassign (204)."""
    cid = valid_id("cnv", conversation_id)
    try:
        transport.request(
            "POST",
            f"/conversations/{cid}/reassign",
            "POST /conversations/{id}/reassign",
            json={"userId": user_id},
            idempotency_key=idempotency_key,
        )
    finally:
        cache.invalidate("conversations", f"cnv:{cid}")


def conversation_read(
    conversation_id: str, last_message_id: str, *, idempotency_key: str | None = None
) -> Conversation:
    """POST /conversations/{id}/read: mark messages up to `last_message_id` read."""
    cid = valid_id("cnv", conversation_id)
    try:
        answer = transport.request(
            "POST",
            f"/conversations/{cid}/read",
            "POST /conversations/{id}/read",
            json={"lastMessageId": last_message_id},
            idempotency_key=idempotency_key,
        )
    finally:
        cache.invalidate("conversations", f"cnv:{cid}")
    return Conversation.from_api(answer.body)


def conversation_close(conversation_id: str, *, idempotency_key: str | None = None) -> None:
    """POST /conversations/{id}/close (200, no body)."""
    cid = valid_id("cnv", conversation_id)
    try:
        transport.request(
            "POST",
            f"/conversations/{cid}/close",
            "POST /conversations/{id}/close",
            idempotency_key=idempotency_key,
        )
    finally:
        cache.invalidate("conversations", f"cnv:{cid}")


def media_upload(
    filename: str, content_type: str, data: bytes, *, idempotency_key: str | None = None
) -> MediaUpload:
    """POST /media/uploads (201): returns the `mediaId` to send as media content."""
    answer = transport.request(
        "POST",
        "/media/uploads",
        "POST /media/uploads",
        files={"file": (filename, data, content_type)},
        idempotency_key=idempotency_key,
    )
    return MediaUpload.from_api(answer.body)
