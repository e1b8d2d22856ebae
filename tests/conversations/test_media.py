"""Media in the timeline: previews and downloads streamed through the dashboard."""

from __future__ import annotations

import pytest

from dashboard.accounts.roles import VIEWER
from dashboard.simulator.seed import REFERENCE_CONVERSATION_ID, sample_pdf, sample_png

pytestmark = pytest.mark.django_db
ANNA = f"/conversations/{REFERENCE_CONVERSATION_ID}/"


def _send_file(sim, name: str, data: bytes, mime: str) -> dict:
    upload = sim.api("POST", "/media/uploads", files={"file": (name, data, mime)}).json()
    sim.api(
        "POST",
        f"/conversations/{REFERENCE_CONVERSATION_ID}/messages",
        json={
            "content": {
                "type": "media",
                "media": {"mediaId": upload["mediaId"], "caption": "See attached"},
            }
        },
    )
    return upload


def test_an_image_is_previewed_and_streamed_through_the_dashboard(flownally, client_as):
    upload = _send_file(flownally, "parcel.png", sample_png(), "image/png")
    client = client_as(VIEWER)
    text = client.get(ANNA).content.decode()
    local = upload["url"]  # the dashboard serves the same path itself
    assert f'<img class="preview-image" src="{local}"' in text and "See attached" in text
    response = client.get(local)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == sample_png()
    assert (
        response["Content-Disposition"].startswith("inline")
        and "sandbox" in response["Content-Security-Policy"]
    )
    assert "sim-token" not in str(response.headers)


def test_a_document_is_offered_as_a_download(flownally, client_as):
    upload = _send_file(flownally, "invoice-4827.pdf", sample_pdf(), "application/pdf")
    client = client_as(VIEWER)
    text = client.get(ANNA).content.decode()
    assert (
        f'href="{upload["url"]}" download>invoice-4827.pdf</a>' in text
        and "<img" not in text.split("invoice-4827.pdf")[0].rsplit("<li", 1)[1]
    )
    response = client.get(upload["url"])
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"] == 'attachment; filename="invoice-4827.pdf"'
    assert b"".join(response.streaming_content) == sample_pdf()


def test_an_unknown_file_is_a_404(flownally, client_as):
    assert (
        client_as(VIEWER)
        .get("/media/tn_01HV8Y1N3QPY9X2HBQ1M9E8D0/uploads/mda_00000000000000000000000000")
        .status_code
        == 404
    )


@pytest.mark.parametrize(
    "path",
    [
        "/media/x/uploads/mda_00000000000000000000000000",
        "/media/tn_01HV8Y1N3QPY9X2HBQ1M9E8D0/uploads/..%2F..%2Fusers",
    ],
)
def test_a_malformed_media_path_is_a_404_without_asking_flownally(flownally, client_as, path):
    assert client_as(VIEWER).get(path).status_code == 404
    assert flownally.request_log() == []


def test_files_need_a_role(flownally, client_as):
    upload = _send_file(flownally, "parcel.png", sample_png(), "image/png")
    assert client_as(None).get(upload["url"]).status_code == 403


class TestUpload:
    def _send(
        self,
        client,
        name="parcel.png",
        data=None,
        mime="image/png",
        body="Photo of the label",
        key="u-1",
        **extra,
    ):
        from django.core.files.uploadedfile import SimpleUploadedFile

        upload = SimpleUploadedFile(name, sample_png() if data is None else data, content_type=mime)
        return client.post(
            f"{ANNA}reply/",
            {"kind": "text", "body": body, "idempotency_key": key, "file": upload},
            **extra,
        )

    def test_a_supervisor_sends_an_image_with_its_caption(self, flownally, client_as):
        from dashboard.accounts.models import AuditEntry
        from dashboard.accounts.roles import SUPERVISOR

        assert self._send(client_as(SUPERVISOR)).status_code == 302
        newest = flownally.api(
            "GET", f"/conversations/{REFERENCE_CONVERSATION_ID}/messages"
        ).json()["messages"][0]
        assert newest["content"]["media"]["caption"] == "Photo of the label"
        assert (
            newest["content"]["media"]["mimeType"] == "image/png"
            and newest["content"]["media"]["filename"] == "parcel.png"
        )
        assert AuditEntry.objects.get().summary.startswith("file image/png")

    def test_a_file_over_the_limit_is_refused_before_uploading(
        self, flownally, client_as, settings
    ):
        from dashboard.accounts.roles import SUPERVISOR

        settings.MEDIA_MAX_BYTES = 1000
        response = self._send(client_as(SUPERVISOR))
        assert response.status_code == 422 and "at most 1000" in response.content.decode().replace(
            "\xa0", " "
        )
        assert [e for e in flownally.request_log() if e["method"] == "POST"] == []

    def test_a_type_flownally_will_not_send_is_refused_before_uploading(self, flownally, client_as):
        from dashboard.accounts.roles import SUPERVISOR

        response = self._send(
            client_as(SUPERVISOR),
            name="tool.exe",
            data=b"MZ\x90\x00",
            mime="application/x-msdownload",
        )
        assert response.status_code == 422 and "cannot be sent" in response.content.decode()
        assert [e for e in flownally.request_log() if e["method"] == "POST"] == []

    def test_media_outside_the_window_is_refused_beside_the_content_choice(
        self, flownally, client_as
    ):
        from dashboard.accounts.roles import SUPERVISOR

        flownally.advance(25 * 3600)
        response = self._send(client_as(SUPERVISOR))
        assert response.status_code == 422 and response.context["reply_form"].errors["kind"]
