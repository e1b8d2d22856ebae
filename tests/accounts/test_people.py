"""The people page: supervisors create accounts, give them roles and deactivate them."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from dashboard.accounts.models import AuditEntry
from dashboard.accounts.roles import SUPERVISOR, TEAM_LEAD, VIEWER, perm, role_of

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-test-password"


def _create(client, username="kasia", role=TEAM_LEAD, password=PASSWORD, again=None):
    return client.post(
        "/people/",
        {"username": username, "role": role, "password1": password, "password2": again or password},
    )


@pytest.mark.usefixtures("flownally")  # the page lists Flownally's team for linking
class TestPeoplePage:
    def test_a_supervisor_sees_every_account_with_its_role(self, client_as, make_user):
        make_user(VIEWER, username="tv-screen")
        response = client_as(SUPERVISOR).get("/people/")
        assert response.status_code == 200
        rows = response.context["rows"]
        assert {user.username: role for user, role, _ in rows} == {
            "supervisor": SUPERVISOR,
            "tv-screen": VIEWER,
        }
        assert b'href="/people/"' in response.content  # in the navigation

    @pytest.mark.parametrize("role", [TEAM_LEAD, VIEWER, None])
    def test_other_roles_are_refused_and_see_no_link(self, client_as, role):
        client = client_as(role)
        assert client.get("/people/").status_code == 403
        assert _create(client).status_code == 403
        assert not get_user_model().objects.filter(username="kasia").exists()
        if role:
            assert b'href="/people/"' not in client.get("/").content

    def test_a_created_account_signs_in_with_its_role(self, client_as, client):
        response = _create(client_as(SUPERVISOR))
        assert response.status_code == 302
        kasia = get_user_model().objects.get(username="kasia")
        assert role_of(kasia) == TEAM_LEAD
        assert kasia.has_perm(perm("reassign")) and not kasia.has_perm(perm("send_messages"))
        assert not kasia.is_superuser and not kasia.is_staff
        entry = AuditEntry.objects.get(action=AuditEntry.Action.ACCOUNT_CREATE)
        assert entry.username == "supervisor" and entry.summary == f"kasia as {TEAM_LEAD}"
        client.logout()
        assert client.login(username="kasia", password=PASSWORD)

    @pytest.mark.parametrize(
        ("fields", "field"),
        [
            ({"password": "short"}, "password2"),
            ({"again": "another-long-password"}, "password2"),
            ({"username": "supervisor"}, "username"),
            ({"username": "<script>"}, "username"),
            ({"role": "Admin"}, "role"),
        ],
    )
    def test_an_invalid_account_is_explained_and_not_created(self, client_as, fields, field):
        client = client_as(SUPERVISOR)
        before = get_user_model().objects.count()
        response = _create(client, **fields)
        assert response.status_code == 422
        assert response.context["form"].errors[field]
        assert get_user_model().objects.count() == before
        assert b"&lt;script&gt;" in response.content or "<script>" not in str(fields)

    def test_a_role_change_takes_effect_on_the_next_request(self, client_as, make_user):
        lead = make_user(TEAM_LEAD, username="ola")
        supervisor = client_as(SUPERVISOR)
        response = supervisor.post(f"/people/{lead.pk}/", {"role": VIEWER, "active": "on"})
        assert response.status_code == 302
        lead = get_user_model().objects.get(pk=lead.pk)
        assert role_of(lead) == VIEWER and not lead.has_perm(perm("reassign"))
        entry = AuditEntry.objects.get(action=AuditEntry.Action.ACCOUNT_CHANGE)
        assert entry.summary == f"ola: role {TEAM_LEAD} → {VIEWER}"

    def test_a_deactivated_account_is_signed_out_and_cannot_sign_in(
        self, client_as, make_user, django_user_model
    ):
        from django.test import Client

        lead = make_user(TEAM_LEAD, username="ola")
        theirs = Client()
        theirs.force_login(lead)
        assert theirs.get("/people/").status_code == 403  # signed in, not a supervisor
        client_as(SUPERVISOR).post(f"/people/{lead.pk}/", {"role": TEAM_LEAD})
        assert not django_user_model.objects.get(pk=lead.pk).is_active
        assert theirs.get("/people/").status_code == 302  # signed out: back to sign-in
        assert not Client().login(username="ola", password=PASSWORD)
        assert "deactivated" in AuditEntry.objects.get().summary

    def test_a_supervisor_cannot_lock_themselves_out(self, client_as):
        client = client_as(SUPERVISOR)
        me = get_user_model().objects.get(username="supervisor")
        response = client.post(f"/people/{me.pk}/", {"role": VIEWER}, follow=True)
        assert "cannot change your own role" in response.content.decode()
        me.refresh_from_db()
        assert me.is_active and role_of(me) == SUPERVISOR
        assert not AuditEntry.objects.exists()

    def test_an_unknown_account_or_role_changes_nothing(self, client_as, make_user):
        client = client_as(SUPERVISOR)
        assert client.post("/people/99999/", {"role": VIEWER}).status_code == 404
        lead = make_user(TEAM_LEAD, username="ola")
        client.post(f"/people/{lead.pk}/", {"role": "Root", "active": "on"})
        assert role_of(get_user_model().objects.get(pk=lead.pk)) == TEAM_LEAD


class TestCreateAccountCommand:
    def test_it_makes_the_first_supervisor(self, monkeypatch):
        monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
        out = io.StringIO()
        call_command("create_account", "anna", stdout=out)
        anna = get_user_model().objects.get(username="anna")
        assert role_of(anna) == SUPERVISOR and anna.check_password(PASSWORD)
        assert anna.has_perm(perm("manage_accounts")) and not anna.is_superuser
        assert "anna can sign in as Supervisor" in out.getvalue()

    def test_it_refuses_a_weak_password_or_a_taken_name(self, monkeypatch, make_user):
        monkeypatch.setattr("sys.stdin", io.StringIO("123\n"))
        with pytest.raises(CommandError, match="too short"):
            call_command("create_account", "anna", "--role", VIEWER)
        make_user(VIEWER, username="taken")
        monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
        with pytest.raises(CommandError, match="exists already"):
            call_command("create_account", "taken")
        assert not get_user_model().objects.filter(username="anna").exists()
