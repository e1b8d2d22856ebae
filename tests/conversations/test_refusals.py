"""What a refused, failed or tampered action leaves behind: the key for the next press,
the audit log, and nothing sent where nothing should be."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from dashboard.accounts.models import AuditEntry
from dashboard.accounts.roles import SUPERVISOR
from dashboard.simulator.seed import REFERENCE_CONVERSATION_ID, REFERENCE_MESSAGE_ID, sample_png

pytestmark = pytest.mark.django_db
ANNA = f"/conversations/{REFERENCE_CONVERSATION_ID}/"
HTMX = {"HX-Request": "true", "HX-Target": "actions"}


def _posts(sim) -> list[dict]:
    return [e for e in sim.request_log() if e["method"] == "POST"]


def _key(response) -> str:
    return response.context["reply_form"]["idempotency_key"].value()


def _reply(client, key: str, body: str = "Checking that now", file=None):
    data = {"kind": "text", "body": body, "idempotency_key": key}
    if file:
        data["file"] = file
    return client.post(f"{ANNA}reply/", data, headers=HTMX)


def _png(data: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile("label.png", sample_png() if data is None else data, "image/png")


class TestTheNextKey:
    def test_after_a_415_an_edited_resend_goes(self, flownally, client_as):
        client = client_as(SUPERVISOR)
        refused = _reply(client, "k-415", file=_png(b"not a picture at all"))
        assert refused.status_code == 422
        assert "is not image/png" in refused.content.decode()
        assert _key(refused) != "k-415"
        # The person attaches the right file and presses again, on the re-rendered form.
        again = _reply(client, _key(refused), file=_png())
        assert again.status_code == 200 and "Message sent." in again.content.decode()

    def test_a_key_reused_for_another_request_is_renewed_and_said(self, flownally, client_as):
        client = client_as(SUPERVISOR)
        assert _reply(client, "k-used", body="First").status_code == 200
        reused = _reply(client, "k-used", body="Second, edited")
        assert reused.status_code == 422
        assert "already used for a different request" in reused.content.decode()
        again = _reply(client, _key(reused), body="Second, edited")
        assert "Message sent." in again.content.decode()

    @pytest.mark.parametrize("status", [502, 503, 429])
    def test_after_a_5xx_or_429_the_key_is_kept_it_may_have_been_sent(
        self, flownally, client_as, status
    ):
        flownally.add_fault(kind="error", status=status, path="/messages$", method="POST")
        failed = _reply(client_as(SUPERVISOR), "k-keep")
        assert failed.status_code == 422 and _key(failed) == "k-keep"

    def test_the_new_message_page_renews_after_a_refusal_too(self, flownally, client_as):
        client = client_as(SUPERVISOR)
        form = client.get("/messages/new/").context["form"]
        inbox = form.fields["inbox_id"].choices[0][0]
        flownally.add_fault(kind="error", status=400, path="/v1/messages$", method="POST", times=1)
        refused = client.post(
            "/messages/new/",
            {
                "inbox_id": inbox,
                "recipient_kind": "channel",
                "external_id": "+48600100200",
                "kind": "template",
                "template_name": "order_ready",
                "template_language": "en",
                "idempotency_key": "n-400",
            },
        )
        assert refused.status_code == 422 and "Nothing was changed." in refused.content.decode()
        assert refused.context["form"]["idempotency_key"].value() != "n-400"


class TestATamperedKey:
    def test_a_non_ascii_key_is_refused_plainly_and_nothing_is_sent(self, flownally, client_as):
        response = _reply(client_as(SUPERVISOR), "klucz-żółw")
        assert response.status_code == 422
        assert "nothing was sent" in response.content.decode()
        assert _key(response) != "klucz-żółw"  # the next press can go
        assert _posts(flownally) == []
        assert not AuditEntry.objects.exists()

    def test_a_crash_during_an_action_is_audited_as_an_error_not_ok(
        self, flownally, client_as, monkeypatch
    ):
        from dashboard.flownally import client as flownally_client

        def crash(*args, **kwargs):
            raise UnicodeEncodeError("latin-1", "ż", 0, 1, "a header it cannot encode")

        monkeypatch.setattr(flownally_client, "conversation_close", crash)
        client = client_as(SUPERVISOR)
        client.raise_request_exception = False
        assert client.post(f"{ANNA}close/", {"idempotency_key": "c-1"}).status_code == 500
        entry = AuditEntry.objects.get()
        assert entry.outcome == "error" and "UnicodeEncodeError" in entry.error


class TestReactions:
    def test_a_message_of_another_conversation_is_refused_and_nothing_sent(
        self, flownally, client_as
    ):
        other = next(c for c in flownally.conversations() if c["id"] != REFERENCE_CONVERSATION_ID)
        theirs = flownally.all_messages(other["id"])[0]["id"]
        response = client_as(SUPERVISOR).post(
            f"{ANNA}react/",
            {"message_id": theirs, "emoji": "👍", "idempotency_key": "x-1"},
            headers=HTMX,
        )
        assert response.status_code == 422
        assert "not in this conversation" in response.content.decode()
        assert _posts(flownally) == [] and not AuditEntry.objects.exists()

    def test_a_message_of_this_conversation_still_gets_its_reaction(self, flownally, client_as):
        response = client_as(SUPERVISOR).post(
            f"{ANNA}react/",
            {"message_id": REFERENCE_MESSAGE_ID, "emoji": "👍", "idempotency_key": "x-2"},
            headers=HTMX,
        )
        assert response.status_code == 204
        assert AuditEntry.objects.get().conversation_id == REFERENCE_CONVERSATION_ID

    def test_while_the_circuit_is_open_a_reaction_to_a_shown_message_is_still_tried(
        self, flownally, client_as, settings
    ):
        """The check that the message is in this conversation uses what the page showed,
        so an open circuit does not refuse the reaction untried."""
        from dashboard.flownally import circuit
        from dashboard.flownally import client as api
        from dashboard.flownally.errors import Unavailable

        settings.FLOWNALLY_CIRCUIT_OPEN_SECONDS = 60
        client = client_as(SUPERVISOR)
        assert client.get(ANNA).status_code == 200  # the page, and its messages' copy
        flownally.add_fault(kind="error", status=503, exact_path="/conversations")
        while circuit.state().name != "open":
            with pytest.raises(Unavailable):
                api.conversation_list(cached=False)
        flownally.control("DELETE", "faults")  # Flownally is back; the circuit does not know
        response = client.post(
            f"{ANNA}react/",
            {"message_id": REFERENCE_MESSAGE_ID, "emoji": "👍", "idempotency_key": "x-3"},
            headers=HTMX,
        )
        assert response.status_code == 204
        assert [p["path"] for p in _posts(flownally)] == [
            f"/v1/messages/{REFERENCE_MESSAGE_ID}/reactions"
        ]
        assert circuit.state().name == "closed"
