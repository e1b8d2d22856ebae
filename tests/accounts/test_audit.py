"""The audit log: written around every upstream action, readable by supervisors only."""

from __future__ import annotations

import pytest

from dashboard.accounts.audit import audited
from dashboard.accounts.models import AuditEntry
from dashboard.accounts.roles import SUPERVISOR, TEAM_LEAD, VIEWER
from dashboard.flownally.errors import FieldError, Unavailable, ValidationFailed

pytestmark = pytest.mark.django_db


def test_a_successful_action_is_recorded_with_who_what_and_where(make_user):
    user = make_user(SUPERVISOR)
    with audited(
        user,
        AuditEntry.Action.REPLY,
        conversation_id="cnv_0123456789",
        summary="text reply",
        idempotency_key="k1",
    ) as entry:
        entry.message_id = "msg_0123456789"
    recorded = AuditEntry.objects.get()
    assert (recorded.username, recorded.action, recorded.conversation_id, recorded.message_id) == (
        user.username,
        "reply",
        "cnv_0123456789",
        "msg_0123456789",
    )
    assert recorded.outcome == "ok" and recorded.idempotency_key == "k1" and recorded.at is not None


def test_a_refusal_is_recorded_with_flownallys_answer_and_re_raised(make_user):
    error = ValidationFailed(
        "Flownally answered 422",
        422,
        "validation_failed",
        "req_42",
        (FieldError("content.type", "not_allowed", "no"),),
    )
    with (
        pytest.raises(ValidationFailed),
        audited(make_user(TEAM_LEAD), AuditEntry.Action.CLOSE, conversation_id="cnv_0123456789"),
    ):
        raise error
    recorded = AuditEntry.objects.get()
    assert recorded.outcome == "refused"
    assert recorded.upstream_status == 422 and recorded.upstream_request_id == "req_42"
    assert "422" in recorded.error


def test_no_answer_is_recorded_as_unknown_because_it_may_have_happened(make_user):
    with pytest.raises(Unavailable), audited(make_user(SUPERVISOR), AuditEntry.Action.REPLY):
        raise Unavailable("Flownally did not answer in time")
    assert AuditEntry.objects.get().outcome == "unknown"


def test_the_username_survives_the_account(make_user):
    user = make_user(SUPERVISOR, username="temp")
    with audited(user, AuditEntry.Action.CLOSE):
        pass
    user.delete()
    assert AuditEntry.objects.get().username == "temp"


class TestAuditLogPage:
    def test_supervisors_see_the_entries(self, client_as, make_user):
        with audited(
            make_user(TEAM_LEAD, username="lee"),
            AuditEntry.Action.REASSIGN,
            conversation_id="cnv_0123456789",
            summary="to Ola",
        ):
            pass
        response = client_as(SUPERVISOR).get("/audit/")
        assert response.status_code == 200
        text = response.content.decode()
        assert (
            "lee" in text and "Reassigned" in text and "to Ola" in text and "cnv_0123456789" in text
        )

    @pytest.mark.parametrize("role", [TEAM_LEAD, VIEWER, None])
    def test_others_are_refused(self, client_as, role):
        assert client_as(role).get("/audit/").status_code == 403

    def test_it_filters_by_conversation_and_action(self, client_as, make_user):
        user = make_user(TEAM_LEAD, username="lee")
        for conversation, action in [
            ("cnv_AAAAAAAAAA", "close"),
            ("cnv_BBBBBBBBBB", "close"),
            ("cnv_AAAAAAAAAA", "reassign"),
        ]:
            with audited(user, action, conversation_id=conversation):
                pass
        response = client_as(SUPERVISOR).get("/audit/?conversation=cnv_AAAAAAAAAA&action=close")
        listed = [(e.conversation_id, e.action) for e in response.context["page"]]
        assert listed == [("cnv_AAAAAAAAAA", "close")]

    def test_the_admin_lists_entries_but_cannot_change_them(self, client, make_user):
        with audited(make_user(TEAM_LEAD, username="lee"), AuditEntry.Action.CLOSE):
            pass
        staff = make_user(SUPERVISOR, username="boss", is_staff=True)
        client.force_login(staff)
        assert client.get("/admin/accounts/auditentry/").status_code == 200
        assert client.get("/admin/accounts/auditentry/add/").status_code == 403
        entry = AuditEntry.objects.get()
        assert (
            client.post(
                f"/admin/accounts/auditentry/{entry.pk}/delete/", {"post": "yes"}
            ).status_code
            == 403
        )


class TestSignIn:
    @pytest.mark.parametrize("path", ["/", "/audit/", "/admin/"])
    def test_every_page_needs_sign_in(self, client, path):
        response = client.get(path)
        assert response.status_code == 302
        assert "login" in response["Location"]

    @pytest.mark.parametrize("path", ["/healthz", "/accounts/login/"])
    def test_the_health_check_and_sign_in_page_are_public(self, client, path):
        assert client.get(path).status_code == 200

    def test_demo_accounts_get_their_roles(self, settings):
        from django.contrib.auth import get_user_model
        from django.core.management import call_command

        settings.DEBUG = True
        call_command("create_demo_accounts")
        roles = {
            u.username: [g.name for g in u.groups.all()] for u in get_user_model().objects.all()
        }
        assert roles == {"supervisor": [SUPERVISOR], "lead": [TEAM_LEAD], "viewer": [VIEWER]}
