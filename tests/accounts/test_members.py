"""Who is who: linking a dashboard account to its Flownally team member, on /people/ and in
the admin, audited; `members.flownally_user_id` sees a change on the next request."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from dashboard.accounts.members import flownally_user_id
from dashboard.accounts.models import AuditEntry, Member
from dashboard.accounts.roles import SUPERVISOR, TEAM_LEAD, VIEWER
from dashboard.simulator.seed import REFERENCE_USER_ID, user_id

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("flownally")]
OLA = user_id(7, "Ola Kozłowska")  # the tests' simulator is seeded with 7
TOMEK = user_id(7, "Tomek Kamiński")


def _link(client, account, member_id: str, **kwargs):
    return client.post(f"/people/{account.pk}/member/", {"flownally_user_id": member_id}, **kwargs)


class TestLinkingOnThePeoplePage:
    def test_it_offers_flownally_s_team_with_not_linked_first(self, client_as, make_user):
        make_user(TEAM_LEAD, username="ola")
        text = client_as(SUPERVISOR).get("/people/").content.decode()
        row = text.split("<td>ola", 1)[1].split("</tr>", 1)[0]
        options = row.split('name="flownally_user_id"', 1)[1].split("</select>", 1)[0]
        assert options.index("Not linked") < options.index("Marta Zielińska")
        assert f'value="{OLA}">Ola Kozłowska' in options

    def test_a_supervisor_links_an_account_and_it_is_audited(self, client_as, make_user):
        ola = make_user(TEAM_LEAD, username="ola")
        response = _link(client_as(SUPERVISOR), ola, OLA, follow=True)
        assert flownally_user_id(ola) == OLA
        summary = f"ola: linked to Ola Kozłowska ({OLA})"
        assert summary in response.content.decode()
        entry = AuditEntry.objects.get()
        assert (entry.action, entry.username, entry.summary) == (
            AuditEntry.Action.ACCOUNT_CHANGE,
            "supervisor",
            summary,
        )
        assert f'<option value="{OLA}" selected>Ola Kozłowska' in response.content.decode()

    def test_relinking_and_unlinking_say_what_it_was(self, client_as, make_user):
        ola = make_user(TEAM_LEAD, username="ola")
        client = client_as(SUPERVISOR)
        _link(client, ola, OLA)
        _link(client, ola, TOMEK)
        _link(client, ola, "")
        _link(client, ola, "")  # unchanged: not audited again
        assert list(AuditEntry.objects.order_by("id").values_list("summary", flat=True)) == [
            f"ola: linked to Ola Kozłowska ({OLA})",
            f"ola: linked to Tomek Kamiński ({TOMEK}) instead of Ola Kozłowska ({OLA})",
            f"ola: unlinked from Tomek Kamiński ({TOMEK})",
        ]
        assert flownally_user_id(ola) is None

    def test_a_supervisor_may_link_themselves(self, client_as):
        client = client_as(SUPERVISOR)
        me = get_user_model().objects.get(username="supervisor")
        assert _link(client, me, REFERENCE_USER_ID).status_code == 302
        assert flownally_user_id(me) == REFERENCE_USER_ID

    @pytest.mark.parametrize(
        ("member_id", "said"),
        [
            ("usr_short", "looks like usr_"),
            ("<script>alert(1)</script>", "looks like usr_"),
            ("usr_NotOnTheTeam0000", "Not one of Flownally&#x27;s team members"),
        ],
    )
    def test_an_invalid_id_is_refused(self, client_as, make_user, member_id, said):
        ola = make_user(TEAM_LEAD, username="ola")
        response = _link(client_as(SUPERVISOR), ola, member_id, follow=True)
        text = response.content.decode()
        assert "ola was not linked" in text and said in text
        assert "<script>alert(1)" not in text
        assert flownally_user_id(ola) is None and not AuditEntry.objects.exists()

    def test_one_member_is_one_account(self, client_as, make_user):
        client = client_as(SUPERVISOR)
        _link(client, make_user(TEAM_LEAD, username="ola"), OLA)
        kasia = make_user(VIEWER, username="kasia")
        text = _link(client, kasia, OLA, follow=True).content.decode()
        assert "already linked to another account" in text
        assert flownally_user_id(kasia) is None

    @pytest.mark.slow  # waits out retries or intervals in real time
    def test_while_flownally_is_down_links_stay_and_none_is_made(
        self, client_as, make_user, flownally
    ):
        ola = make_user(TEAM_LEAD, username="ola")
        Member.objects.create(user=ola, flownally_user_id=OLA)
        flownally.control("POST", "faults", {"kind": "error", "status": 503})
        client = client_as(SUPERVISOR)
        text = client.get("/people/").content.decode()
        assert "Flownally did not answer" in text
        assert f'<option value="{OLA}" selected>{OLA}</option>' in text  # kept, by its ID
        kasia = make_user(VIEWER, username="kasia")
        said = _link(client, kasia, TOMEK, follow=True).content.decode()
        assert "team could not be read" in said and flownally_user_id(kasia) is None

    @pytest.mark.parametrize("role", [TEAM_LEAD, VIEWER, None])
    def test_other_roles_may_not_link(self, client_as, make_user, role):
        ola = make_user(VIEWER, username="ola")
        assert _link(client_as(role), ola, OLA).status_code == 403
        assert flownally_user_id(ola) is None and not AuditEntry.objects.exists()

    def test_an_unknown_account_is_a_404(self, client_as):
        response = client_as(SUPERVISOR).post("/people/99999/member/", {"flownally_user_id": OLA})
        assert response.status_code == 404


class TestTheLookup:
    def test_it_is_none_for_an_unlinked_account_or_nobody(self, make_user):
        from django.contrib.auth.models import AnonymousUser

        assert flownally_user_id(make_user(VIEWER)) is None
        assert flownally_user_id(AnonymousUser()) is None

    def test_it_costs_no_query_once_cached_and_sees_a_change_at_once(
        self, make_user, django_assert_num_queries
    ):
        ola = make_user(TEAM_LEAD, username="ola")
        member = Member.objects.create(user=ola, flownally_user_id=OLA)
        assert flownally_user_id(ola) == OLA
        with django_assert_num_queries(0):
            assert flownally_user_id(ola) == OLA
        member.flownally_user_id = TOMEK
        member.save()
        assert flownally_user_id(ola) == TOMEK
        member.delete()
        assert flownally_user_id(ola) is None


class TestTheAdmin:
    def test_a_superuser_links_an_account_on_its_page_and_it_is_audited(self, client, make_user):
        ola = make_user(TEAM_LEAD, username="ola")
        admin = make_user(None, username="root", is_staff=True, is_superuser=True)
        client.force_login(admin)
        page = client.get(f"/admin/auth/user/{ola.pk}/change/")
        assert page.status_code == 200 and "Flownally team member" in page.content.decode()
        form = {
            "username": "ola",
            "is_active": "on",
            "date_joined_0": "2026-11-30",
            "date_joined_1": "12:00:00",
            "member-TOTAL_FORMS": "1",
            "member-INITIAL_FORMS": "0",
            "member-MIN_NUM_FORMS": "0",
            "member-MAX_NUM_FORMS": "1",
            "member-0-flownally_user_id": "usr_bad",
        }
        refused = client.post(f"/admin/auth/user/{ola.pk}/change/", form)
        assert refused.status_code == 200 and "looks like usr_" in refused.content.decode()
        done = client.post(
            f"/admin/auth/user/{ola.pk}/change/", form | {"member-0-flownally_user_id": OLA}
        )
        assert done.status_code == 302
        assert flownally_user_id(ola) == OLA
        entry = AuditEntry.objects.get()
        assert (entry.username, entry.summary) == ("root", f"ola: linked to Ola Kozłowska ({OLA})")
