"""Reply, reassign, close and mark read, by role, against the simulator."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from dashboard.accounts.models import AuditEntry, Member
from dashboard.accounts.roles import SUPERVISOR, TEAM_LEAD, VIEWER
from dashboard.simulator.seed import REFERENCE_CONVERSATION_ID, REFERENCE_MESSAGE_ID

pytestmark = pytest.mark.django_db
ANNA = f"/conversations/{REFERENCE_CONVERSATION_ID}/"
HTMX = {"HX-Request": "true", "HX-Target": "actions"}


def _messages(sim) -> list[dict]:
    return sim.api("GET", f"/conversations/{REFERENCE_CONVERSATION_ID}/messages").json()["messages"]


def _conversation(sim) -> dict:
    return sim.api("GET", f"/conversations/{REFERENCE_CONVERSATION_ID}").json()


def _posts(sim) -> list[dict]:
    return [e for e in sim.request_log() if e["method"] == "POST"]


def _reply(client, body="Checking that now", key="k-1", **extra):
    return client.post(
        f"{ANNA}reply/",
        {"kind": "text", "body": body, "idempotency_key": key, **extra},
        **extra.pop("kw", {}),
    )


class TestReply:
    def test_a_supervisor_replies_and_it_is_audited(self, flownally, client_as):
        response = _reply(client_as(SUPERVISOR))
        assert response.status_code == 302 and response["Location"] == ANNA
        newest = _messages(flownally)[0]
        assert newest["content"] == {"type": "text", "text": {"body": "Checking that now"}}
        entry = AuditEntry.objects.get()
        assert (entry.action, entry.outcome, entry.message_id, entry.idempotency_key) == (
            "reply",
            "ok",
            newest["id"],
            "k-1",
        )
        assert entry.summary == "text, 17 characters"  # the audit log keeps no message text

    def test_with_htmx_it_renders_the_panel_and_refreshes_the_timeline(self, flownally, client_as):
        response = client_as(SUPERVISOR).post(
            f"{ANNA}reply/", {"kind": "text", "body": "Hi", "idempotency_key": "k-2"}, headers=HTMX
        )
        assert response.status_code == 200
        assert (
            response["HX-Trigger"] == '{"timeline-changed": {}}'
            or "timeline-changed" in response["HX-Trigger"]
        )
        text = response.content.decode()
        assert (
            text.lstrip().startswith('<aside class="card actions" id="actions"')
            and "Message sent." in text
        )
        assert 'value="k-2"' not in text  # a fresh idempotency key for the next message

    def test_a_double_submit_sends_once(self, flownally, client_as):
        client = client_as(SUPERVISOR)
        before = len(_messages(flownally))
        _reply(client, key="same-key")
        _reply(client, key="same-key")
        assert len(_messages(flownally)) == before + 1

    def test_free_text_outside_the_window_is_refused_beside_the_choice(self, flownally, client_as):
        flownally.advance(25 * 3600)
        response = _reply(client_as(SUPERVISOR))
        assert response.status_code == 422
        assert (
            "Outside WhatsApp&#x27;s 24-hour window only templates can be sent."
            in response.content.decode()
        )
        assert response.context["reply_form"].errors["kind"]
        assert AuditEntry.objects.get().outcome == "refused"

    def test_a_template_outside_the_window_is_sent(self, flownally, client_as):
        flownally.advance(25 * 3600)
        response = client_as(SUPERVISOR).post(
            f"{ANNA}reply/",
            {
                "kind": "template",
                "template_name": "order_ready",
                "template_language": "en",
                "idempotency_key": "k-3",
            },
        )
        assert response.status_code == 302
        assert _messages(flownally)[0]["content"]["template"] == {
            "name": "order_ready",
            "language": "en",
        }

    def test_an_unknown_template_is_refused_beside_its_name(self, flownally, client_as):
        response = client_as(SUPERVISOR).post(
            f"{ANNA}reply/",
            {
                "kind": "template",
                "template_name": "no_such_thing",
                "template_language": "en",
                "idempotency_key": "k-4",
            },
            headers=HTMX,
        )
        assert response.status_code == 422
        assert response.context["reply_form"].errors["template_name"] == [
            "No approved template has this name."
        ]

    def test_an_empty_message_is_refused_without_asking_flownally(self, flownally, client_as):
        response = _reply(client_as(SUPERVISOR), body="   ")
        assert response.status_code == 422 and "Write a message." in response.content.decode()
        assert _posts(flownally) == []

    def test_an_outage_says_the_message_may_or_may_not_have_gone(
        self, flownally, client_as, settings
    ):
        client = client_as(SUPERVISOR)
        flownally.add_fault(kind="disconnect", path="/messages$", method="POST")
        response = _reply(client, kw={"headers": HTMX})
        assert response.status_code == 422
        assert "look at the timeline before trying again" in response.content.decode()
        assert AuditEntry.objects.get().outcome == "unknown"


class TestPermissions:
    @pytest.mark.parametrize(
        ("role", "path", "data"),
        [
            (TEAM_LEAD, "reply/", {"kind": "text", "body": "x", "idempotency_key": "a"}),
            (VIEWER, "reply/", {"kind": "text", "body": "x", "idempotency_key": "a"}),
            (
                VIEWER,
                "reassign/",
                {"user_id": "usr_01HV8Y3K2R6G7K3F5B9N8M1Q0", "idempotency_key": "a"},
            ),
            (VIEWER, "close/", {"idempotency_key": "a"}),
            (VIEWER, "read/", {"last_message_id": REFERENCE_MESSAGE_ID, "idempotency_key": "a"}),
            (None, "close/", {"idempotency_key": "a"}),
        ],
    )
    def test_a_forged_post_is_refused_before_flownally_hears_of_it(
        self, flownally, client_as, role, path, data
    ):
        assert client_as(role).post(ANNA + path, data).status_code == 403
        assert _posts(flownally) == [] and not AuditEntry.objects.exists()

    def test_a_viewer_sees_no_controls(self, flownally, client_as):
        text = client_as(VIEWER).get(ANNA).content.decode()
        assert "<form" not in text.split('id="actions"', 1)[1].split("</aside>", 1)[0]

    def test_a_team_lead_sees_reassign_close_and_mark_read_but_not_reply(
        self, flownally, client_as
    ):
        panel = (
            client_as(TEAM_LEAD)
            .get(ANNA)
            .content.decode()
            .split('id="actions"', 1)[1]
            .split("</aside>", 1)[0]
        )
        assert (
            "reassign/" in panel
            and "close/" in panel
            and "read/" in panel
            and "reply/" not in panel
        )

    def test_a_post_without_a_csrf_token_is_refused(self, flownally, django_user_model):
        from django.contrib.auth.models import Group

        user = django_user_model.objects.create_user("csrf", password="a-long-test-password")
        user.groups.add(Group.objects.get(name=SUPERVISOR))
        client = Client(enforce_csrf_checks=True)
        client.force_login(user)
        assert client.post(f"{ANNA}close/", {"idempotency_key": "a"}).status_code == 403
        assert _conversation(flownally)["status"] == "open"

    def test_a_malformed_conversation_id_is_a_404(self, flownally, client_as):
        assert (
            client_as(SUPERVISOR)
            .post("/conversations/cnv_x/close/", {"idempotency_key": "a"})
            .status_code
            == 404
        )
        assert _posts(flownally) == []


class TestOtherActions:
    def test_a_team_lead_reassigns(self, flownally, client_as):
        users = flownally.api("GET", "/users").json()["users"]
        target = next(u for u in users if u["name"] == "Tomek Kamiński")
        response = client_as(TEAM_LEAD).post(
            f"{ANNA}reassign/", {"user_id": target["id"], "idempotency_key": "r-1"}
        )
        assert response.status_code == 302
        assert _conversation(flownally)["assigneeId"] == target["id"]
        assert AuditEntry.objects.get().summary == "to Tomek Kamiński"

    def test_the_current_assignee_is_preselected(self, flownally, client_as):
        form = client_as(TEAM_LEAD).get(ANNA).context["reassign_form"]
        assert form["user_id"].value() == "usr_01HV8Y3K2R6G7K3F5B9N8M1Q0"

    def test_a_linked_account_finds_itself_first_in_the_menu(self, flownally, client_as):
        client = client_as(TEAM_LEAD)
        team = {u["name"]: u["id"] for u in flownally.api("GET", "/users").json()["users"]}
        ola = team["Ola Kozłowska"]
        Member.objects.create(user=User.objects.get(username="team-lead"), flownally_user_id=ola)

        def menu(response) -> list[tuple[str, str]]:
            return list(response.context["reassign_form"].fields["user_id"].choices)

        shown = menu(client.get(ANNA))
        assert shown[0] == (ola, "Me (Ola Kozłowska)")
        assert (ola, "Ola Kozłowska") not in shown  # not twice
        # Re-rendered after a refusal, the menu still starts with "me".
        refused = client.post(
            f"{ANNA}reassign/", {"user_id": "usr_nobody000000", "idempotency_key": "r-3"}
        )
        assert menu(refused)[0] == (ola, "Me (Ola Kozłowska)")
        done = client.post(f"{ANNA}reassign/", {"user_id": ola, "idempotency_key": "r-4"})
        assert done.status_code == 302
        assert AuditEntry.objects.get(outcome="ok").summary == "to Ola Kozłowska"

    def test_an_unlinked_account_sees_the_team_by_name_only(self, flownally, client_as):
        choices = client_as(TEAM_LEAD).get(ANNA).context["reassign_form"].fields["user_id"].choices
        assert not any(name.startswith("Me (") for _, name in choices)

    def test_reassigning_to_someone_not_on_the_team_is_a_field_error(self, flownally, client_as):
        response = client_as(TEAM_LEAD).post(
            f"{ANNA}reassign/", {"user_id": "usr_nobody000000", "idempotency_key": "r-2"}
        )
        assert response.status_code == 422 and response.context["reassign_form"].errors["user_id"]

    def test_a_team_lead_closes(self, flownally, client_as):
        assert (
            client_as(TEAM_LEAD).post(f"{ANNA}close/", {"idempotency_key": "c-1"}).status_code
            == 302
        )
        assert _conversation(flownally)["status"] == "closed"
        assert AuditEntry.objects.get().action == "close"

    def test_a_team_lead_marks_read_up_to_the_newest_message(self, flownally, client_as):
        client = client_as(TEAM_LEAD)
        form = client.get(ANNA).context["read_form"]
        newest = _messages(flownally)[0]["id"]
        assert form["last_message_id"].value() == newest
        assert (
            client.post(
                f"{ANNA}read/", {"last_message_id": newest, "idempotency_key": "m-1"}
            ).status_code
            == 302
        )
        assert _conversation(flownally)["unreadCount"] == 0
        assert AuditEntry.objects.get().message_id == newest


def test_the_reply_form_offers_text_or_template_with_text_chosen_in_the_window(
    flownally, client_as
):
    text = client_as(SUPERVISOR).get(ANNA).content.decode()
    assert 'type="radio" name="kind" value="text"' in text
    assert text.split('value="text"', 1)[1].split(">", 1)[0].strip().endswith("checked")
    assert "Message(" not in text  # timeline objects never leak into the page as text


def test_outside_the_window_the_form_starts_on_template(flownally, client_as):
    flownally.advance(25 * 3600)
    assert client_as(SUPERVISOR).get(ANNA).context["reply_form"]["kind"].value() == "template"


def test_after_a_refusal_the_corrected_message_goes_with_a_new_key(flownally, client_as):
    flownally.advance(25 * 3600)
    client = client_as(SUPERVISOR)
    refused = _reply(client, key="first-key", kw={"headers": HTMX})
    new_key = refused.context["reply_form"]["idempotency_key"].value()
    assert new_key != "first-key"
    sent = client.post(
        f"{ANNA}reply/",
        {
            "kind": "template",
            "template_name": "order_ready",
            "template_language": "en",
            "idempotency_key": new_key,
        },
    )
    assert sent.status_code == 302


def test_after_no_answer_the_retry_keeps_its_key_so_it_cannot_send_twice(flownally, client_as):
    client = client_as(SUPERVISOR)
    flownally.add_fault(kind="disconnect", path="/messages$", method="POST", times=3)
    failed = _reply(client, key="keep-me", kw={"headers": HTMX})
    assert failed.context["reply_form"]["idempotency_key"].value() == "keep-me"


class TestReactions:
    def _react(self, client, emoji="👍", removed=False, key="r-1", message=REFERENCE_MESSAGE_ID):
        data = {"message_id": message, "emoji": emoji, "idempotency_key": key}
        if removed:
            data["removed"] = "on"
        return client.post(f"{ANNA}react/", data, headers=HTMX)

    def test_a_supervisor_adds_and_removes_a_reaction(self, flownally, client_as):
        client = client_as(SUPERVISOR)
        added = self._react(client)
        # Nothing to swap: the timeline shows the reaction when it refreshes, at once.
        assert added.status_code == 204 and added.content == b""
        assert "timeline-changed" in added.headers["HX-Trigger"]
        reactions = flownally.api("GET", f"/messages/{REFERENCE_MESSAGE_ID}").json()["message"][
            "reactions"
        ]
        assert [r["emoji"] for r in reactions] == ["👍"]
        bar = next(
            i
            for i in client.get(ANNA).context["timeline"]
            if i["message"].id == REFERENCE_MESSAGE_ID
        )["reactions"]
        assert (
            next(b for b in bar if b["emoji"] == "👍")["ours"] is True
        )  # pressing it again removes it
        assert self._react(client, removed=True, key="r-2").status_code == 204
        assert (
            flownally.api("GET", f"/messages/{REFERENCE_MESSAGE_ID}").json()["message"]["reactions"]
            == []
        )
        assert list(AuditEntry.objects.order_by("id").values_list("action", "summary")) == [
            ("react", "added 👍"),
            ("unreact", "removed 👍"),
        ]

    def test_a_refused_reaction_says_why_beside_the_message(self, flownally, client_as):
        refused = self._react(client_as(SUPERVISOR), emoji="not an emoji")
        assert refused.status_code == 422
        said = refused.content.decode()
        assert "The reaction was not sent" in said and "one emoji or a shortcode" in said
        assert AuditEntry.objects.get().outcome == AuditEntry.Outcome.REFUSED

    def test_a_reaction_during_an_outage_says_it_failed(self, flownally, client_as):
        flownally.add_fault(kind="error", status=503, path="/reactions$", times=9, retryAfter=0)
        failed = self._react(client_as(SUPERVISOR))
        assert failed.status_code == 422
        assert "The reaction was not sent" in failed.content.decode()
        assert "look at the timeline" in failed.content.decode()

    def test_without_javascript_a_failed_reaction_is_told_on_the_page(self, flownally, client_as):
        client = client_as(SUPERVISOR)
        data = {"message_id": REFERENCE_MESSAGE_ID, "emoji": "not an emoji", "idempotency_key": "k"}
        page = client.post(f"{ANNA}react/", data, follow=True)
        assert page.status_code == 200
        assert "The reaction was not sent" in page.content.decode()

    def test_a_team_lead_may_not_react(self, flownally, client_as):
        assert self._react(client_as(TEAM_LEAD)).status_code == 403
        assert _posts(flownally) == []

    def test_every_reaction_button_has_its_own_key(self, flownally, client_as):
        timeline = client_as(SUPERVISOR).get(ANNA).context["timeline"]
        keys = [b["key"] for item in timeline for b in item["reactions"]]
        assert keys and len(keys) == len(set(keys))

    def test_sms_and_email_conversations_offer_no_reactions(self, flownally, client_as):
        conversations = flownally.api("GET", "/conversations", params={"pageSize": 100}).json()[
            "conversations"
        ]
        email = next(c for c in conversations if c["channel"] == "email")
        timeline = client_as(SUPERVISOR).get(f"/conversations/{email['id']}/").context["timeline"]
        assert timeline and all(item["reactions"] == () for item in timeline)
