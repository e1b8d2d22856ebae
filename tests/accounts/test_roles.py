"""The roles the data migration creates, and what each may do."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from dashboard.accounts.roles import PERMISSIONS, SUPERVISOR, TEAM_LEAD, VIEWER, perm

pytestmark = pytest.mark.django_db


def test_the_migration_creates_the_three_roles():
    assert set(Group.objects.values_list("name", flat=True)) >= {SUPERVISOR, TEAM_LEAD, VIEWER}


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (SUPERVISOR, set(PERMISSIONS)),
        (TEAM_LEAD, {"view_conversations", "reassign", "close", "mark_read", "view_wallboard"}),
        (VIEWER, {"view_conversations", "view_wallboard"}),
    ],
)
def test_each_role_may_do_exactly_its_share(make_user, role, allowed):
    user = make_user(role)
    assert {name for name in PERMISSIONS if user.has_perm(perm(name))} == allowed


def test_a_user_without_a_role_may_do_nothing(make_user):
    user = make_user(None)
    assert not any(user.has_perm(perm(name)) for name in PERMISSIONS)


def test_roles_are_assignable_in_the_admin(client, make_user):
    admin = make_user(SUPERVISOR, username="boss", is_staff=True, is_superuser=True)
    client.force_login(admin)
    group = Group.objects.get(name=TEAM_LEAD)
    response = client.get(f"/admin/auth/group/{group.pk}/change/")
    assert response.status_code == 200
    assert "Can reassign conversations" in response.content.decode()


def test_an_unknown_permission_name_is_a_programming_error():
    with pytest.raises(AssertionError):
        perm("fly")


def test_ensure_roles_restores_deleted_roles_with_the_same_permissions(make_user):
    from dashboard.accounts.roles import ensure_roles

    before = {
        g.name: set(g.permissions.values_list("codename", flat=True)) for g in Group.objects.all()
    }
    Group.objects.all().delete()
    ensure_roles()
    after = {
        g.name: set(g.permissions.values_list("codename", flat=True)) for g in Group.objects.all()
    }
    assert after == before


@pytest.mark.django_db(transaction=True)
def test_the_roles_survive_a_flush_of_the_tables():
    """A transactional test's teardown flushes every table; the tests after it (in any
    order pytest-randomly picks) still find the roles, as `migrate` leaves them."""
    from django.core.management import call_command

    call_command("flush", interactive=False, verbosity=0)
    assert set(Group.objects.values_list("name", flat=True)) == {SUPERVISOR, TEAM_LEAD, VIEWER}
    assert Group.objects.get(name=SUPERVISOR).permissions.filter(codename="reassign").exists()
