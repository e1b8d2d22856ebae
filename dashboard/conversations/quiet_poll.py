"""The timeline's no-change poll, answered in one cache round trip.

Every open conversation page polls every two seconds, and most polls find nothing new.
Through the whole middleware stack such a poll reads the cache three times (the session,
the user with their permissions, the conversation's latest fingerprint) before its 204.
This middleware, placed before the session's, reads the three in one `get_many` and
answers the 204 (or 286) itself, but only when the whole stack would give that same
answer from the cache without writing anything:

- the session is in the cache: cached_db keeps it there until it expires and deletes it
  when it is flushed (a sign-out), and Django trusts it as it is found;
- it was written by CachedModelBackend for a user whose cached entry is current (the
  stamps of accounts.backends: a deactivated, changed or deleted account, or a changed
  role, has moved them on) and young enough, and its session auth hash is the user's now
  (as `django.contrib.auth.get_user` checks; a hash only a fallback secret verifies means
  rewriting the session, which the whole stack does);
- the user may view conversations (`has_perm`, from the cached permissions);
- the poll's fingerprint is the latest one known, and its reads are fresh or trusted by
  the change feed (its heartbeat is read in the same round trip: timeline.py, news.py);
- the page's presence bar names the others there now (the conversation's roster is read
  in the same round trip: presence.py), and this viewer's own entry in it is young enough,
  or was written before with a name to write it again with (one cache write, about every
  other poll: the round trip's only companion).

Anything else (a miss, an old stamp, a refusal, news, someone come or gone) goes through the whole stack,
which decides, reads and writes exactly as before. Nothing here refuses anyone.

The user's keys must be named before the session is read, so each process remembers
which user a session key signed in, from the last poll of that session the whole stack
answered. It is a hint, never trusted: the session read in the same round trip must name
the same user, or the whole stack decides.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.sessions.backends.cached_db import KEY_PREFIX
from django.core.cache import caches
from django.core.exceptions import MiddlewareNotUsed, ValidationError
from django.http import HttpRequest, HttpResponse
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.csp import ContentSecurityPolicyMiddleware
from django.utils.cache import patch_vary_headers
from django.utils.crypto import constant_time_compare
from django.utils.functional import empty

from dashboard.accounts import backends
from dashboard.accounts.roles import perm
from dashboard.conversations import presence, timeline
from dashboard.flownally import client
from dashboard.flownally.errors import NotFound

_POLL = re.compile(r"/conversations/([^/]+)/timeline/")
_BACKEND = "dashboard.accounts.backends.CachedModelBackend"
_REMEMBERED = 10_000  # session keys per process; forgotten all at once beyond
_users: dict[str, object] = {}  # session key -> the user ID it signed in


def quiet_poll(get_response: Callable[[HttpRequest], HttpResponse]):
    if settings.SESSION_ENGINE != "django.contrib.sessions.backends.cached_db":
        raise MiddlewareNotUsed("the session is not in the cache")
    # What the rest of the stack adds to such an answer, inner first.
    below = (ContentSecurityPolicyMiddleware(_never), XFrameOptionsMiddleware(_never))

    def middleware(request: HttpRequest) -> HttpResponse:
        match = _POLL.fullmatch(request.path_info) if request.method == "GET" else None
        session_key = request.COOKIES.get(settings.SESSION_COOKIE_NAME, "")
        if match is None or not session_key:
            return get_response(request)
        shown = request.GET.get("v", "")
        if answer := _answer(session_key, match[1], shown, request.GET.get("p")):
            patch_vary_headers(answer, ("Cookie",))  # the session was read
            answer["Cache-Control"] = "private, no-store"  # as no_store_when_signed_in
            for layer in below:
                answer = layer.process_response(request, answer)
            return answer
        response = get_response(request)
        _learn(request, session_key)
        return response

    return middleware


def _never(request: HttpRequest) -> HttpResponse:
    raise AssertionError("only process_response is used")


def _answer(
    session_key: str, conversation_id: str, shown: str, bar: str | None
) -> HttpResponse | None:
    """The whole stack's answer, when it would be a 204 or 286 read from the cache alone
    (and the one write of this viewer's presence when it is due)."""
    user_pk = _users.get(session_key)
    if user_pk is None or not shown:
        return None
    try:
        conversation_id = client.valid_id("cnv", conversation_id)
    except NotFound:
        return None
    latest_keys = timeline.latest_keys(conversation_id)
    roster_key = presence.key(conversation_id)
    session_cache_key = KEY_PREFIX + session_key
    auth_keys = backends.stamped_keys(backends.user_key(user_pk), user_pk)
    found = caches[settings.SESSION_CACHE_ALIAS].get_many(
        [session_cache_key, *auth_keys, *latest_keys, roster_key]
    )
    session = found.get(session_cache_key)
    if not isinstance(session, dict) or not _names(session, user_pk):
        return None
    user = backends.fresh_user(found, user_pk)
    if user is None or not user.is_active:
        return None
    if not constant_time_compare(session.get(HASH_SESSION_KEY) or "", user.get_session_auth_hash()):
        return None
    if not user.has_perm(perm("view_conversations")):
        return None
    answer = timeline.answer_from(found, latest_keys, shown)
    if answer is None or answer.status_code != 204:
        return answer  # 286: the page stops polling, and its bar with it
    roster = found.get(roster_key)
    if not presence.shows_latest(roster, user_pk, bar):
        return None  # someone came or went: the whole stack answers with the bar
    if presence.due(roster, user_pk):
        name = presence.own_name(roster, user_pk)
        if name is None:
            return None  # not there yet: the whole stack names this viewer
        presence.seen(conversation_id, roster, user_pk, name)
    return answer


def _names(session: dict, user_pk: object) -> bool:
    """The session is this backend's sign-in of this user."""
    if (
        session.get(BACKEND_SESSION_KEY) != _BACKEND
        or _BACKEND not in settings.AUTHENTICATION_BACKENDS
    ):
        return False
    try:
        return get_user_model()._meta.pk.to_python(session.get(SESSION_KEY)) == user_pk
    except ValidationError:  # not a user ID: the whole stack decides
        return False


def _learn(request: HttpRequest, session_key: str) -> None:
    """Remember whom this session signed in, when the whole stack found out."""
    user = request.__dict__.get("user")
    session = getattr(request, "session", None)
    if user is None or getattr(user, "_wrapped", None) is empty:
        return  # the view never asked who this is
    if session is None or session.session_key != session_key:
        return
    if user.is_authenticated:
        if len(_users) >= _REMEMBERED:
            _users.clear()
        _users[session_key] = user.pk
    else:
        _users.pop(session_key, None)
