"""Who actually sent it: a message sent through the dashboard is labelled with the account
that sent it (and its linked team member), not with the token owner Flownally names; the
page and the poll agree, and the labels cost one query per render."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from dashboard.accounts.models import AuditEntry, Member
from dashboard.accounts.roles import SUPERVISOR, VIEWER
from dashboard.simulator.seed import REFERENCE_CONVERSATION_ID, REFERENCE_INBOX_ID, user_id

pytestmark = pytest.mark.django_db
ANNA = f"/conversations/{REFERENCE_CONVERSATION_ID}/"
POLL = f"{ANNA}timeline/"
HTMX = {"HX-Request": "true", "HX-Target": "timeline"}
OLA = user_id(7, "Ola Kozłowska")  # the tests' simulator is seeded with 7
TOKEN_OWNER = "Marta Zielińska"


@pytest.fixture
def supervisor(flownally, client_as, settings):
    # Every read must see Flownally as it is now, not as cached a second ago.
    settings.FLOWNALLY_CACHE_TTL_CONVERSATION = settings.FLOWNALLY_CACHE_TTL_MESSAGES = 0
    flownally.control("POST", "config", {"failRate": 0, "readRate": 0})
    return client_as(SUPERVISOR)


def _reply(client, body: str, key: str) -> None:
    response = client.post(f"{ANNA}reply/", {"kind": "text", "body": body, "idempotency_key": key})
    assert response.status_code == 302


def _item(context, body: str) -> dict:
    return next(
        item
        for item in context["timeline"]
        if getattr(item["message"].content, "body", None) == body
    )


def test_a_reply_sent_here_names_the_account_that_sent_it(supervisor):
    _reply(supervisor, "Checking that now", "k-1")
    page = supervisor.get(ANNA)
    item = _item(page.context, "Checking that now")
    assert item["sender"] == "supervisor, via the dashboard"
    assert item["flownally_sender"] == TOKEN_OWNER  # what Flownally says, kept as a tooltip
    text = page.content.decode()
    assert "supervisor, via the dashboard" in text
    assert f'title="Flownally shows {TOKEN_OWNER}, the owner of the API token' in text


def test_a_linked_account_s_reply_also_names_its_team_member(supervisor, django_user_model):
    Member.objects.create(
        user=django_user_model.objects.get(username="supervisor"), flownally_user_id=OLA
    )
    _reply(supervisor, "Checking that now", "k-1")
    item = _item(supervisor.get(ANNA).context, "Checking that now")
    assert item["sender"] == "supervisor (Ola Kozłowska), via the dashboard"


def test_a_message_not_sent_through_the_dashboard_keeps_flownally_s_label(supervisor, flownally):
    _reply(supervisor, "From the dashboard", "k-1")
    flownally.api(
        "POST",
        f"/conversations/{REFERENCE_CONVERSATION_ID}/messages",
        json={"content": {"type": "text", "text": {"body": "From the Flownally app"}}},
    )
    context = supervisor.get(ANNA).context
    assert _item(context, "From the Flownally app")["sender"] == TOKEN_OWNER
    assert _item(context, "From the Flownally app")["flownally_sender"] == ""
    team = {i["sender"] for i in context["timeline"] if i["message"].sender_type == "user"}
    assert team == {TOKEN_OWNER, "supervisor, via the dashboard"}  # the seeded ones too


def test_only_sends_that_went_name_their_sender(supervisor, flownally):
    """A reaction or a mark-read also logs a message ID: that does not make it ours."""
    flownally.api(
        "POST",
        f"/conversations/{REFERENCE_CONVERSATION_ID}/messages",
        json={"content": {"type": "text", "text": {"body": "From the Flownally app"}}},
    )
    message_id = _item(supervisor.get(ANNA).context, "From the Flownally app")["message"].id
    for action, outcome in [("react", "ok"), ("mark_read", "ok"), ("reply", "failed")]:
        AuditEntry.objects.create(
            username="lead", action=action, outcome=outcome, message_id=message_id
        )
    assert _item(supervisor.get(ANNA).context, "From the Flownally app")["sender"] == TOKEN_OWNER


def test_a_new_conversation_started_here_names_its_sender(supervisor):
    response = supervisor.post(
        "/messages/new/",
        {
            "inbox_id": REFERENCE_INBOX_ID,
            "recipient_kind": "channel",
            "external_id": "+48 600 100 200",
            "kind": "template",
            "template_name": "welcome_back",
            "template_language": "en",
            "idempotency_key": "n-1",
        },
    )
    assert response.status_code == 302
    timeline = supervisor.get(response["Location"]).context["timeline"]
    assert [i["sender"] for i in timeline] == ["supervisor, via the dashboard"]


def test_the_poll_shows_the_same_labels_as_the_page(supervisor):
    _reply(supervisor, "First", "k-1")
    before = supervisor.get(ANNA)
    _reply(supervisor, "Second", "k-2")
    poll = supervisor.get(POLL, {"v": before.context["fingerprint"]}, headers=HTMX)
    assert poll.status_code == 200
    text = poll.content.decode()
    assert text.count("supervisor, via the dashboard") == 2
    page = supervisor.get(ANNA)
    assert [i["sender"] for i in page.context["timeline"]] == [
        i["sender"] for i in poll.context["timeline"]
    ]


def test_a_label_learnt_after_a_poll_read_the_message_is_swapped_in(supervisor, flownally):
    """The race the fingerprint covers: a poll that read a new message before its sender's
    audit entry was written must not keep Flownally's label for good."""
    flownally.api(
        "POST",
        f"/conversations/{REFERENCE_CONVERSATION_ID}/messages",
        json={"content": {"type": "text", "text": {"body": "Sent a moment ago"}}},
    )
    page = supervisor.get(ANNA)
    message = _item(page.context, "Sent a moment ago")["message"]
    AuditEntry.objects.create(
        username="lead", action="reply", outcome="ok", message_id=message.id
    )  # written just after the poll read the messages
    poll = supervisor.get(POLL, {"v": page.context["fingerprint"]}, headers=HTMX)
    assert poll.status_code == 200
    assert "lead, via the dashboard" in poll.content.decode()


def test_the_labels_cost_one_query_however_many_messages_were_sent(supervisor):
    for n in range(3):
        _reply(supervisor, f"Reply {n}", f"k-{n}")
    with CaptureQueriesContext(connection) as queries:
        poll = supervisor.get(POLL, {"v": "something-else"}, headers=HTMX)
    assert poll.content.decode().count("supervisor, via the dashboard") == 3
    audit_reads = [q for q in queries.captured_queries if "accounts_auditentry" in q["sql"]]
    assert len(audit_reads) == 1


def test_every_role_that_sees_the_timeline_sees_who_sent_it(supervisor, make_viewer):
    _reply(supervisor, "Checking that now", "k-1")
    assert "supervisor, via the dashboard" in make_viewer().get(ANNA).content.decode()


@pytest.fixture
def make_viewer(django_user_model):
    """A second signed-in client, a Viewer (`client_as` signs in the one `client`)."""

    def make() -> Client:
        viewer = django_user_model.objects.create_user("tv", password="a-long-test-password")
        viewer.groups.add(Group.objects.get(name=VIEWER))
        client = Client()
        client.force_login(viewer)
        return client

    return make
