"""Kiosk screens when a link is revoked under them, and when the database is down."""

from __future__ import annotations

import time

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client

from dashboard.accounts.roles import SUPERVISOR
from dashboard.wallboard import models
from dashboard.wallboard.models import KioskLink
from tests.support.accounts import PASSWORD
from tests.support.database import database_unreachable
from tests.wallboard.test_kiosk import create_link

BOARD = 'data-metric="open"'


def later(monkeypatch, seconds: float) -> None:
    """The clock moved on (the cache's expiry goes by it too)."""
    now = time.time
    monkeypatch.setattr(time, "time", lambda: now() + seconds)


@pytest.fixture
def supervisor(flownally, transactional_db) -> Client:
    from dashboard.accounts.roles import ensure_roles

    ensure_roles()  # transactional tests flush the tables, roles included
    user = get_user_model().objects.create_user("supervisor", password=PASSWORD)
    user.groups.add(Group.objects.get(name=SUPERVISOR))
    client = Client()
    client.force_login(user)
    return client


def test_a_screen_that_read_its_link_before_a_revoke_does_not_bring_it_back(supervisor, client):
    path = create_link(supervisor)
    token = path.split("/")[3]
    link = KioskLink.find(token)  # a refresh reads the link...
    assert link is not None
    supervisor.post(f"/wallboard/links/{link.pk}/revoke/")  # ...it is revoked meanwhile...
    link.mark_used()  # ...and the refresh goes on to note it was used
    assert client.get(path).status_code == 410
    assert KioskLink.objects.get().revoked


def test_in_a_database_outage_a_screen_keeps_its_board(supervisor, client, monkeypatch):
    path = create_link(supervisor)
    assert BOARD in client.get(path).content.decode()
    later(monkeypatch, 30)  # the screen has been on for a while: its link is checked again
    with database_unreachable():
        page = client.get(path)
        refresh = client.get(f"{path}refresh/", headers={"HX-Request": "true"})
    assert page.status_code == 200 and BOARD in page.content.decode()
    assert refresh.status_code == 200 and BOARD in refresh.content.decode()


def test_a_revoked_link_stays_revoked_in_an_outage(supervisor, client, monkeypatch):
    path = create_link(supervisor)
    client.get(path)
    supervisor.post(f"/wallboard/links/{KioskLink.objects.get().pk}/revoke/")
    later(monkeypatch, 30)
    with database_unreachable():
        assert client.get(path).status_code == 410


def test_a_screen_not_checked_lately_says_what_is_wrong_and_retries_by_itself(
    supervisor, client, settings, monkeypatch
):
    settings.WALLBOARD_REFRESH_SECONDS = 15
    path = create_link(supervisor)
    monkeypatch.setattr(models, "OUTAGE_GRACE", 0)  # too long ago to trust
    with database_unreachable():
        page = client.get(path)
        refresh = client.get(f"{path}refresh/", headers={"HX-Request": "true"})
    text = page.content.decode()
    assert page.status_code == 503 and page["Retry-After"] == "15"
    assert "cannot reach its database" in text and BOARD not in text
    assert '<meta http-equiv="refresh" content="15">' in text
    assert "no-store" in page["Cache-Control"]
    # A refresh is not swapped (an error status): the board stays and goes stale by itself.
    assert refresh.status_code == 503
    assert BOARD in client.get(path).content.decode()  # back with the database


def test_made_up_tokens_are_not_kept_long(db, monkeypatch, settings):
    """Anyone can ask for /wallboard/k/<anything>/: an unknown token's answer is cached for
    seconds (CACHED_FOR), not for the outage grace of a real link, so guessing cannot fill
    the shared cache. (In local memory, whose expiry follows the patched clock.)"""
    from django.core.cache import cache

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

    made_up = "x" * 43
    assert KioskLink.find(made_up) is None
    key = models._cache_key(models.token_hash(made_up))
    assert cache.has_key(key)
    later(monkeypatch, models.CACHED_FOR + 1)
    assert not cache.has_key(key)
