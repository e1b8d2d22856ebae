"""Users and their permissions come from the cache, and every change reaches the next request."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dashboard.accounts.roles import SUPERVISOR, TEAM_LEAD, VIEWER, perm
from dashboard.simulator.seed import REFERENCE_CONVERSATION_ID
from tests.support import waiting
from tests.support.accounts import PASSWORD

pytestmark = pytest.mark.django_db
PAGE = "/audit/"  # supervisors only; needs no Flownally
CONVERSATION = f"/conversations/{REFERENCE_CONVERSATION_ID}/"


def _poll(client, fingerprint: str):
    """The open conversation's poll, which costs nothing when nothing changed."""
    return client.get(
        f"{CONVERSATION}timeline/",
        {"v": fingerprint},
        headers={"HX-Request": "true", "HX-Target": "timeline"},
    )


@pytest.fixture
def supervisor(client, make_user):
    user = make_user(SUPERVISOR)
    client.force_login(user)
    assert client.get(PAGE).status_code == 200  # now cached
    return user


def test_a_signed_in_request_reads_user_and_permissions_from_the_cache(client, supervisor):
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/wallboard/links/").status_code == 200
    tables = " ".join(q["sql"] for q in queries.captured_queries)
    assert "auth_user" not in tables and "auth_permission" not in tables
    assert "django_session" not in tables


def test_losing_a_role_takes_effect_on_the_next_request(client, supervisor):
    supervisor.groups.clear()
    assert client.get(PAGE).status_code == 403


def test_a_role_changed_for_everyone_takes_effect_on_the_next_request(client, supervisor):
    Group.objects.get(name=SUPERVISOR).permissions.remove(
        Permission.objects.get(codename="view_audit")
    )
    assert client.get(PAGE).status_code == 403


def test_a_new_role_takes_effect_on_the_next_request(client, make_user):
    user = make_user(TEAM_LEAD)
    client.force_login(user)
    assert client.get(PAGE).status_code == 403
    user.groups.add(Group.objects.get(name=SUPERVISOR))
    assert client.get(PAGE).status_code == 200


def test_a_deactivated_account_is_signed_out_on_the_next_request(client, supervisor):
    supervisor.is_active = False
    supervisor.save()
    assert client.get(PAGE).status_code == 302


def test_a_changed_password_signs_out_other_sessions(client, supervisor):
    supervisor.set_password("another-long-password")
    supervisor.save()
    assert client.get(PAGE).status_code == 302


def test_a_deleted_account_is_signed_out(client, supervisor, make_user):
    make_user(VIEWER)
    supervisor.delete()
    assert client.get(PAGE).status_code == 302


def test_a_sign_in_leaves_other_users_cached_auth_alone(
    flownally, client, make_user, django_assert_num_queries, settings
):
    """The probe: one sign-in every 2 s used to make every viewer's next poll read the
    database again (100 viewers: 7 -> 184 transactions/s)."""
    from django.test import Client

    # The poll's own answer stays fresh however long the sign-in's password hashing takes
    # on a busy machine: only the auth part of the poll is under test.
    settings.FLOWNALLY_CACHE_TTL_CONVERSATION = settings.FLOWNALLY_CACHE_TTL_MESSAGES = 60

    watcher = make_user(VIEWER)
    client.force_login(watcher)
    fingerprint = client.get(CONVERSATION).context["fingerprint"]
    assert _poll(client, fingerprint).status_code == 204
    key = f"accounts:user:{watcher.pk}"
    cached = cache.get(key)
    assert cached is not None

    make_user(TEAM_LEAD, username="ola")
    signed_in = Client().post("/accounts/login/", {"username": "ola", "password": PASSWORD})
    assert signed_in.status_code == 302

    assert cache.get(key) == cached
    with django_assert_num_queries(0):
        assert _poll(client, fingerprint).status_code == 204


def test_a_change_to_one_account_leaves_the_others_cached(make_user, django_assert_num_queries):
    from dashboard.accounts.backends import CachedModelBackend

    backend, ola, tomek = CachedModelBackend(), make_user(VIEWER, "ola"), make_user(VIEWER, "tomek")
    backend.get_user(ola.pk), backend.get_user(tomek.pk)
    tomek.first_name = "Tomek"
    tomek.save()
    tomek.groups.add(Group.objects.get(name=TEAM_LEAD))
    with django_assert_num_queries(0):
        assert backend.get_user(ola.pk) is not None
    assert backend.get_user(tomek.pk).has_perm(perm("reassign"))  # his own change: seen


def test_a_change_that_bypasses_signals_applies_within_auth_cache_seconds(
    client, make_user, settings
):
    """A bulk update(), SQL or a shell without the cache URL: no signal, only the bound."""
    from django.contrib.auth import get_user_model

    settings.AUTH_CACHE_SECONDS = 3  # long enough for two requests on a busy machine
    client.force_login(make_user(SUPERVISOR))
    assert client.get(PAGE).status_code == 200  # cached, for at most 3 s
    get_user_model().objects.filter(username="supervisor").update(is_active=False)
    assert client.get(PAGE).status_code == 200  # the cached account, as promised
    waiting.until(lambda: client.get(PAGE).status_code == 302, timeout=10, what="still signed in")


@pytest.mark.django_db(transaction=True)  # the module's mark would order it among the others
def test_a_signed_in_screen_keeps_working_through_a_database_outage(
    flownally, make_user, settings, monkeypatch
):
    """Past AUTH_CACHE_SECONDS the account is read again; while the database cannot answer,
    the account as last read (no change known since) is used instead of failing the poll."""
    import time

    from django.test import Client

    from dashboard.accounts.roles import ensure_roles
    from tests.support.database import database_unreachable

    ensure_roles()  # transactional tests flush the tables, roles included
    settings.FLOWNALLY_CACHE_TTL_CONVERSATION = settings.FLOWNALLY_CACHE_TTL_MESSAGES = 120
    viewer = make_user(VIEWER)
    client = Client()
    client.force_login(viewer)
    fingerprint = client.get(CONVERSATION).context["fingerprint"]
    now = time.time
    monkeypatch.setattr(time, "time", lambda: now() + 3 * settings.AUTH_CACHE_SECONDS)
    with database_unreachable():
        assert _poll(client, fingerprint).status_code == 204
