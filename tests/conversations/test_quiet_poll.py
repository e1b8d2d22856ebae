"""A poll that finds nothing new costs one cache round trip and no query; every refusal of
the whole stack still happens."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.sessions.backends.cached_db import KEY_PREFIX
from django.contrib.sessions.models import Session
from django.core.cache import cache, caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dashboard.accounts.roles import VIEWER
from dashboard.simulator.seed import REFERENCE_CONVERSATION_ID

pytestmark = pytest.mark.django_db
PAGE = f"/conversations/{REFERENCE_CONVERSATION_ID}/"
POLL = f"{PAGE}timeline/"
HTMX = {"HX-Request": "true", "HX-Target": "timeline"}
ROUND_TRIPS = ("get", "get_many", "set", "set_many", "add", "delete", "delete_many", "incr",
               "touch", "has_key")  # fmt: skip


@pytest.fixture
def trips(monkeypatch) -> list[str]:
    """Every call made to the cache backend (each one a round trip to Redis)."""
    calls: list[str] = []
    inside = [0]  # local memory's get_many calls its get: one trip, counted once
    backend = type(caches["default"])
    for name in ROUND_TRIPS:
        original = getattr(backend, name)

        def spy(self, *args, _name=name, _original=original, **kwargs):
            if not inside[0]:
                calls.append(_name)
            inside[0] += 1
            try:
                return _original(self, *args, **kwargs)
            finally:
                inside[0] -= 1

        monkeypatch.setattr(backend, name, spy)
    return calls


@pytest.fixture
def viewer(flownally, client_as):
    return client_as(VIEWER)


@pytest.fixture
def shown(viewer) -> Iterator[str]:
    """The fingerprint the page shows, after one poll the whole stack answered."""
    fingerprint = viewer.get(PAGE).context["fingerprint"]
    assert _poll(viewer, fingerprint).status_code == 204
    return fingerprint


def _poll(client, fingerprint: str):
    return client.get(POLL, {"v": fingerprint}, headers=HTMX)


def _quiet(client, fingerprint: str, trips: list[str]) -> None:
    """The poll is answered 204 from one cache round trip and no query."""
    trips.clear()
    with CaptureQueriesContext(connection) as queries:
        response = _poll(client, fingerprint)
    assert response.status_code == 204 and response.content == b""
    assert trips == ["get_many"] and not queries.captured_queries


def test_a_poll_with_nothing_new_costs_one_cache_round_trip(viewer, shown, trips):
    _quiet(viewer, shown, trips)
    _quiet(viewer, shown, trips)


def test_the_quick_answer_is_the_whole_stacks_answer(viewer, shown, trips):
    whole = viewer.get(POLL, {"v": shown, "x": "1"}, headers=HTMX)  # another URL: not learnt
    _quiet(viewer, shown, trips)
    quick = _poll(viewer, shown)
    assert quick.status_code == whole.status_code == 204
    assert dict(quick.headers) == dict(whole.headers)


def test_a_poll_with_news_still_gets_it(viewer, shown, trips, flownally):
    _quiet(viewer, shown, trips)
    response = _poll(viewer, "0")
    assert response.status_code == 200 and 'id="timeline"' in response.content.decode()


def test_a_signed_out_session_is_refused(viewer, shown, trips):
    _quiet(viewer, shown, trips)
    cookie = viewer.cookies[settings.SESSION_COOKIE_NAME].value
    assert viewer.post("/accounts/logout/").status_code == 302
    viewer.cookies[settings.SESSION_COOKIE_NAME] = cookie  # an old tab polls on
    assert _poll(viewer, shown).status_code == 302


def test_a_deactivated_account_is_refused(viewer, shown, trips, django_user_model):
    _quiet(viewer, shown, trips)
    user = django_user_model.objects.get()
    user.is_active = False
    user.save()
    assert _poll(viewer, shown).status_code == 302


def test_a_password_changed_elsewhere_is_refused(viewer, shown, trips, django_user_model):
    _quiet(viewer, shown, trips)
    user = django_user_model.objects.get()
    user.set_password("another-long-password")
    user.save()
    assert _poll(viewer, shown).status_code == 302


def test_a_lost_role_is_refused(viewer, shown, trips, django_user_model):
    _quiet(viewer, shown, trips)
    django_user_model.objects.get().groups.remove(Group.objects.get(name=VIEWER))
    assert _poll(viewer, shown).status_code == 403


def test_an_expired_session_is_refused(viewer, shown, trips):
    _quiet(viewer, shown, trips)
    key = viewer.cookies[settings.SESSION_COOKIE_NAME].value
    # Expiry, as it happens: the cache's copy lapses and the row's date is past.
    cache.delete(KEY_PREFIX + key)
    Session.objects.filter(pk=key).update(expire_date=timezone.now() - timedelta(seconds=1))
    assert _poll(viewer, shown).status_code == 302


def test_a_tampered_cookie_is_refused(viewer, shown, trips):
    _quiet(viewer, shown, trips)
    key = viewer.cookies[settings.SESSION_COOKIE_NAME].value
    viewer.cookies[settings.SESSION_COOKIE_NAME] = key[:-1] + ("a" if key[-1] != "a" else "b")
    assert _poll(viewer, shown).status_code == 302
