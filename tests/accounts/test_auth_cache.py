"""Users and their permissions come from the cache, and every change reaches the next request."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dashboard.accounts.roles import SUPERVISOR, TEAM_LEAD, VIEWER

pytestmark = pytest.mark.django_db
PAGE = "/audit/"  # supervisors only; needs no Flownally


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
