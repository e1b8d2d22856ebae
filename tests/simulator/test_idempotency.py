"""Idempotency-Key on POST: one answer per (token, key), replayed for the same request,
409 for a different one or while the first is still running
(docs/contract-decisions.md, "Idempotency")."""

from __future__ import annotations

import threading

import requests

from dashboard.simulator.seed import (
    REFERENCE_CONVERSATION_ID,
    REFERENCE_MESSAGE_ID,
    sample_pdf,
    sample_png,
)
from tests.support.simulator import READ_ONLY_TOKEN, TOKEN

SEND_PATH = f"/conversations/{REFERENCE_CONVERSATION_ID}/messages"


def _text(body: str) -> dict:
    return {"content": {"type": "text", "text": {"body": body}}}


def _post(sim, path: str, key: str, token: str = TOKEN, **kwargs):
    headers = {"Idempotency-Key": key} | kwargs.pop("headers", {})
    return sim.api("POST", path, token=token, headers=headers, **kwargs)


def _message_ids(sim) -> list[str]:
    response = sim.api("GET", SEND_PATH, params={"pageSize": 100})
    assert response.status_code == 200, response.text
    return [m["id"] for m in response.json()["messages"]]


def _error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code
    return error


def test_the_same_key_and_body_twice_sends_once_and_replays_the_first_answer(sim):
    before = _message_ids(sim)
    first = _post(sim, SEND_PATH, "send-once-1", json=_text("Your order is ready."))
    assert first.status_code == 202, first.text
    assert "Idempotent-Replayed" not in first.headers
    second = _post(sim, SEND_PATH, "send-once-1", json=_text("Your order is ready."))
    assert second.status_code == 202, second.text
    assert second.json() == first.json()
    assert second.json()["message"]["id"] == first.json()["message"]["id"]
    assert second.headers["Idempotent-Replayed"] == "true"
    after = _message_ids(sim)
    assert len(after) == len(before) + 1
    assert after[0] == first.json()["message"]["id"]
    log = sim.request_log("POST /conversations/{id}/messages")
    assert [(e["idempotencyKey"], e["replayed"]) for e in log] == [
        ("send-once-1", False),
        ("send-once-1", True),
    ]


def test_the_same_json_in_another_key_order_and_spacing_is_the_same_request(sim):
    first = _post(sim, SEND_PATH, "send-once-2", json=_text("Same content"))
    assert first.status_code == 202, first.text
    reordered = '{ "content" : { "text" : { "body" : "Same content" } , "type" : "text" } }'
    second = _post(
        sim,
        SEND_PATH,
        "send-once-2",
        data=reordered.encode(),
        headers={"Content-Type": "application/json"},
    )
    assert second.status_code == 202, second.text
    assert second.json()["message"]["id"] == first.json()["message"]["id"]
    assert second.headers["Idempotent-Replayed"] == "true"


def test_the_same_key_with_a_different_body_is_a_conflict(sim):
    first = _post(sim, SEND_PATH, "reused-key", json=_text("First"))
    assert first.status_code == 202, first.text
    before = _message_ids(sim)
    _error(_post(sim, SEND_PATH, "reused-key", json=_text("Second")), 409, "idempotency_key_reused")
    assert _message_ids(sim) == before


def test_the_same_key_on_another_path_is_a_conflict(sim):
    assert _post(sim, SEND_PATH, "path-key", json=_text("Hi")).status_code == 202
    recipient = {"type": "conversation", "conversationId": REFERENCE_CONVERSATION_ID}
    response = _post(sim, "/messages", "path-key", json={"recipient": recipient, **_text("Hi")})
    _error(response, 409, "idempotency_key_reused")


def test_keys_belong_to_one_token(sim):
    sent = _post(sim, SEND_PATH, "shared-key", json=_text("From the full token"))
    assert sent.status_code == 202, sent.text
    # The read-only token may mark as read; its "shared-key" is its own, so this is no conflict.
    read = _post(
        sim,
        f"/conversations/{REFERENCE_CONVERSATION_ID}/read",
        "shared-key",
        token=READ_ONLY_TOKEN,
        json={"lastMessageId": REFERENCE_MESSAGE_ID},
    )
    assert read.status_code == 200, read.text
    assert "Idempotent-Replayed" not in read.headers
    assert read.json()["id"] == REFERENCE_CONVERSATION_ID
    again = _post(sim, SEND_PATH, "shared-key", json=_text("From the full token"))
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["message"]["id"] == sent.json()["message"]["id"]


def test_a_422_answer_is_replayed_for_the_same_request(sim):
    invalid = {"content": {"type": "text", "text": {"body": ""}}}
    first = _post(sim, SEND_PATH, "invalid-once", json=invalid)
    _error(first, 422, "validation_failed")
    second = _post(sim, SEND_PATH, "invalid-once", json=invalid)
    assert second.status_code == 422
    assert second.json() == first.json()
    assert second.headers["Idempotent-Replayed"] == "true"


def test_an_injected_503_is_not_stored_so_a_retry_with_the_same_key_succeeds(sim):
    before = _message_ids(sim)
    sim.add_fault(kind="error", status=503, times=1, path="/messages$")
    failed = _post(sim, SEND_PATH, "retry-after-503", json=_text("Retried"))
    _error(failed, 503, "unavailable")
    assert _message_ids(sim) == before
    retried = _post(sim, SEND_PATH, "retry-after-503", json=_text("Retried"))
    assert retried.status_code == 202, retried.text
    assert "Idempotent-Replayed" not in retried.headers
    assert len(_message_ids(sim)) == len(before) + 1
    replayed = _post(sim, SEND_PATH, "retry-after-503", json=_text("Retried"))
    assert replayed.headers["Idempotent-Replayed"] == "true"
    assert replayed.json()["message"]["id"] == retried.json()["message"]["id"]


def test_a_key_is_forgotten_after_24_hours(sim):
    assert _post(sim, SEND_PATH, "day-old-key", json=_text("Yesterday")).status_code == 202
    sim.advance(24 * 3600 + 1)
    template = {
        "content": {"type": "template", "template": {"name": "welcome_back", "language": "en"}}
    }
    response = _post(sim, SEND_PATH, "day-old-key", json=template)
    assert response.status_code == 202, response.text
    assert "Idempotent-Replayed" not in response.headers


def test_two_concurrent_requests_with_one_key_run_once_and_the_other_is_told_to_retry(sim):
    sim.control("POST", "config", {"latencyMs": 400})
    before = _message_ids(sim)
    barrier = threading.Barrier(2)
    answers: list[requests.Response] = []
    lock = threading.Lock()

    def post() -> None:
        with requests.Session() as session:
            barrier.wait()
            response = session.post(
                sim.base_url + SEND_PATH,
                json=_text("Only once"),
                timeout=10,
                headers={"Authorization": f"Bearer {TOKEN}", "Idempotency-Key": "concurrent-key"},
            )
        with lock:
            answers.append(response)

    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(r.status_code for r in answers) == [202, 409], [r.text for r in answers]
    accepted = next(r for r in answers if r.status_code == 202)
    busy = next(r for r in answers if r.status_code == 409)
    _error(busy, 409, "idempotency_in_progress")
    assert int(busy.headers["Retry-After"]) >= 1
    retry = _post(sim, SEND_PATH, "concurrent-key", json=_text("Only once"))
    assert retry.status_code == 202, retry.text
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert retry.json()["message"]["id"] == accepted.json()["message"]["id"]
    assert len(_message_ids(sim)) == len(before) + 1


def test_a_key_of_256_characters_is_refused(sim):
    before = _message_ids(sim)
    response = _post(sim, SEND_PATH, "k" * 256, json=_text("Hi"))
    error = _error(response, 422, "validation_failed")
    assert [d["field"] for d in error["details"]] == ["Idempotency-Key"]
    assert _message_ids(sim) == before


def test_a_key_of_255_characters_is_accepted(sim):
    response = _post(sim, SEND_PATH, "k" * 255, json=_text("Hi"))
    assert response.status_code == 202, response.text


def test_a_key_with_a_space_is_refused(sim):
    error = _error(_post(sim, SEND_PATH, "two words", json=_text("Hi")), 422, "validation_failed")
    assert [d["field"] for d in error["details"]] == ["Idempotency-Key"]


def test_an_upload_retried_with_its_key_replays_the_same_media_id(sim):
    files = {"file": ("photo.png", sample_png(), "image/png")}
    first = _post(sim, "/media/uploads", "upload-key", files=files)
    assert first.status_code == 201, first.text
    second = _post(
        sim,
        "/media/uploads",
        "upload-key",
        files={"file": ("photo.png", sample_png(), "image/png")},
    )
    assert second.status_code == 201, second.text
    assert second.json() == first.json()
    assert second.headers["Idempotent-Replayed"] == "true"


def test_a_different_file_with_the_same_upload_key_is_a_conflict(sim):
    first = _post(
        sim,
        "/media/uploads",
        "upload-key-2",
        files={"file": ("photo.png", sample_png(), "image/png")},
    )
    assert first.status_code == 201, first.text
    other = {"file": ("invoice.pdf", sample_pdf(), "application/pdf")}
    _error(_post(sim, "/media/uploads", "upload-key-2", files=other), 409, "idempotency_key_reused")
    bigger = {"file": ("photo.png", sample_png(161, 120), "image/png")}
    _error(
        _post(sim, "/media/uploads", "upload-key-2", files=bigger), 409, "idempotency_key_reused"
    )
