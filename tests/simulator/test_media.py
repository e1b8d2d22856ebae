"""Media: POST /media/uploads, downloading the stored bytes, and sending media content
(docs/contract-decisions.md, "Media" and "MessageContent")."""

from __future__ import annotations

import re

import requests

from dashboard.simulator.seed import REFERENCE_CONVERSATION_ID, sample_pdf, sample_png
from tests.support.simulator import READ_ONLY_TOKEN

MiB = 1024 * 1024
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _upload(sim, filename: str, data: bytes, content_type: str | None = None, **kwargs):
    part = (filename, data) if content_type is None else (filename, data, content_type)
    return sim.api("POST", "/media/uploads", files={"file": part}, **kwargs)


def _error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text[:500]
    error = response.json()["error"]
    assert error["code"] == code
    assert response.headers["X-Request-Id"] == error["requestId"]
    return error


def _details(response) -> list[tuple[str, str]]:
    error = _error(response, 422, "validation_failed")
    assert error["details"]
    return [(d["field"], d["code"]) for d in error["details"]]


def test_uploading_a_png_answers_201_with_the_media_handle(sim):
    data = sample_png()
    response = _upload(sim, "damaged-parcel.png", data, "image/png")
    assert response.status_code == 201, response.text
    media = response.json()
    assert re.fullmatch(r"mda_[0-9A-Za-z]{10,64}", media["mediaId"])
    assert media["mediaType"] == "image"
    assert media["mimeType"] == "image/png"
    assert media["filename"] == "damaged-parcel.png"
    assert media["fileSize"] == len(data)
    assert media["url"].startswith("/media/") and media["url"].endswith(
        f"/uploads/{media['mediaId']}"
    )


def test_the_uploaded_file_downloads_with_its_exact_bytes_and_type(sim):
    data = sample_png(33, 17)
    url = _upload(sim, "photo.png", data, "image/png").json()["url"]
    for token in (None, READ_ONLY_TOKEN):
        kwargs = {} if token is None else {"token": token}
        response = sim.api("GET", url, **kwargs)
        assert response.status_code == 200, response.text[:200]
        assert response.content == data
        assert response.headers["Content-Type"] == "image/png"


def test_downloading_media_without_a_token_is_unauthenticated(sim):
    url = _upload(sim, "photo.png", sample_png(), "image/png").json()["url"]
    response = sim.api("GET", url, token=None)
    _error(response, 401, "unauthenticated")
    assert response.headers["WWW-Authenticate"].lower().startswith("bearer")
    assert PNG_MAGIC not in response.content


def test_the_references_invoice_pdf_upload_is_a_document(sim):
    data = sample_pdf()
    # None is like `curl -F file=@invoice.pdf`: no part type, so the type comes from the name.
    for content_type in (None, "application/pdf"):
        response = _upload(sim, "invoice.pdf", data, content_type)
        assert response.status_code == 201, response.text
        media = response.json()
        assert media["mediaType"] == "document"
        assert media["mimeType"] == "application/pdf"
        assert media["filename"] == "invoice.pdf"
        assert media["fileSize"] == len(data)
        download = sim.api("GET", media["url"])
        assert download.content == data
        assert download.headers["Content-Type"] == "application/pdf"


def test_a_file_declared_png_whose_bytes_are_not_png_is_unsupported(sim):
    _error(
        _upload(sim, "photo.png", b"GIF89a this is not a PNG at all", "image/png"),
        415,
        "unsupported_media_type",
    )


def test_a_windows_executable_is_unsupported(sim):
    exe = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 120
    _error(
        _upload(sim, "setup.exe", exe, "application/x-msdownload"), 415, "unsupported_media_type"
    )


def test_a_file_over_16_mib_is_too_large(sim):
    data = PNG_MAGIC + b"\x00" * (16 * MiB + 1 - len(PNG_MAGIC))
    try:
        response = _upload(sim, "huge.png", data, "image/png")
    except requests.ConnectionError as exc:
        # The body is within what the server reads, so it must answer rather than hang up.
        raise AssertionError(f"expected a 413 answer, the connection failed: {exc}") from exc
    _error(response, 413, "payload_too_large")


def test_a_file_of_exactly_16_mib_is_accepted(sim):
    data = PNG_MAGIC + b"\x00" * (16 * MiB - len(PNG_MAGIC))
    response = _upload(sim, "big.png", data, "image/png")
    assert response.status_code == 201, response.text[:500]
    assert response.json()["fileSize"] == 16 * MiB


def test_an_upload_without_a_file_field_is_refused_on_file(sim):
    response = sim.api(
        "POST", "/media/uploads", files={"document": ("photo.png", sample_png(), "image/png")}
    )
    assert ("file", "required") in _details(response)


def test_an_empty_file_is_refused(sim):
    assert ("file", "too_short") in _details(_upload(sim, "empty.png", b"", "image/png"))


def test_a_json_body_instead_of_multipart_is_a_bad_request(sim):
    response = sim.api("POST", "/media/uploads", json={"file": "aGVsbG8="})
    _error(response, 400, "invalid_multipart")


def test_a_filename_with_path_parts_and_markup_is_stored_as_a_safe_base_name(sim):
    response = _upload(sim, "../../etc/<b>x</b>.png", sample_png(), "image/png")
    assert response.status_code == 201, response.text
    filename = response.json()["filename"]
    assert filename
    assert not set(filename) & set("/\\<>")
    assert ".." not in filename
    assert filename.endswith(".png")
    for windows_path in ("C:\\Users\\eve\\<i>y</i>.png", "..\\..\\boot.png"):
        stored = _upload(sim, windows_path, sample_png(), "image/png").json()["filename"]
        assert stored and not set(stored) & set("/\\<>:"), stored


def test_uploaded_media_can_be_sent_in_the_window(sim):
    data = sample_png()
    upload = _upload(sim, "damaged-parcel.png", data, "image/png").json()
    content = {
        "type": "media",
        "media": {"mediaId": upload["mediaId"], "caption": "Photo of the parcel"},
    }
    response = sim.api(
        "POST", f"/conversations/{REFERENCE_CONVERSATION_ID}/messages", json={"content": content}
    )
    assert response.status_code == 202, response.text
    sent = response.json()["message"]["content"]
    assert sent["type"] == "media"
    media = sent["media"]
    assert media["mediaId"] == upload["mediaId"]
    assert media["caption"] == "Photo of the parcel"
    for field in ("mediaType", "mimeType", "filename", "fileSize", "url"):
        assert media[field] == upload[field], field
    assert response.json()["conversation"]["lastMessagePreview"] == "Photo of the parcel"
    polled = sim.api("GET", f"/messages/{response.json()['message']['id']}").json()["message"]
    assert polled["content"] == sent
    assert sim.api("GET", media["url"]).content == data


def test_media_without_a_caption_is_previewed_by_its_filename(sim):
    upload = _upload(sim, "invoice-4827.pdf", sample_pdf(), "application/pdf").json()
    content = {"type": "media", "media": {"mediaId": upload["mediaId"]}}
    response = sim.api(
        "POST", f"/conversations/{REFERENCE_CONVERSATION_ID}/messages", json={"content": content}
    )
    assert response.status_code == 202, response.text
    assert response.json()["conversation"]["lastMessagePreview"] == "invoice-4827.pdf"
    assert response.json()["message"]["content"]["media"]["mediaType"] == "document"


def test_media_content_with_an_unknown_media_id_is_refused(sim):
    content = {"type": "media", "media": {"mediaId": "mda_00000000000000000000000000"}}
    response = sim.api(
        "POST", f"/conversations/{REFERENCE_CONVERSATION_ID}/messages", json={"content": content}
    )
    assert ("content.media.mediaId", "unknown") in _details(response)
