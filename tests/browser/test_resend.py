"""In real Chromium: resending a failed message, from the timeline and from /failed/;
pressed twice fast, it sends exactly one new message."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from dashboard.accounts.models import AuditEntry
from dashboard.accounts.roles import SUPERVISOR
from dashboard.simulator.seed import REFERENCE_CONVERSATION_ID
from tests.support.browser import screenshot

pytestmark = pytest.mark.browser
ANNA = f"/conversations/{REFERENCE_CONVERSATION_ID}/"


def _messages(sim) -> list[dict]:
    return sim.api("GET", f"/conversations/{REFERENCE_CONVERSATION_ID}/messages").json()["messages"]


def _failed(sim, body: str) -> str:
    sim.control("POST", "config", {"failRate": 0, "readRate": 0})
    answer = sim.api(
        "POST",
        f"/conversations/{REFERENCE_CONVERSATION_ID}/messages",
        json={"content": {"type": "text", "text": {"body": body}}},
    )
    message_id = answer.json()["message"]["id"]
    sim.control("POST", f"messages/{message_id}/delivery", {"deliveryStatus": "failed"})
    return message_id


def _sends(sim) -> int:
    path = f"/v1/conversations/{REFERENCE_CONVERSATION_ID}/messages"
    return sum(1 for e in sim.request_log() if e["method"] == "POST" and e["path"] == path)


def test_pressed_twice_fast_on_the_timeline_it_sends_one_new_message(sign_in, sim, dashboard):
    failed = _failed(sim, "Your table for two is booked")
    page = sign_in(SUPERVISOR)
    page.goto(dashboard.url + ANNA)
    before, sends = len(_messages(sim)), _sends(sim)
    button = page.locator(f"#resend-{failed} button")
    expect(button).to_have_text("Resend")
    button.dblclick()
    resent = page.locator(f"#m-{failed} .resent")
    expect(resent).to_contain_text("Resent as a new message by supervisor")
    # The new message shows in the timeline, named as sent by this account.
    expect(page.locator("#timeline li.message").last).to_contain_text(
        "Your table for two is booked"
    )
    expect(page.locator("#timeline li.message").last).to_contain_text(
        "supervisor, via the dashboard"
    )
    assert len(_messages(sim)) == before + 1
    assert _sends(sim) - sends <= 2  # a second request, if any, carried the same key
    assert (
        AuditEntry.objects.filter(action="resend", outcome="ok")
        .values("message_id")
        .distinct()
        .count()
        == 1
    )
    page.locator(f"#m-{failed}").scroll_into_view_if_needed()
    screenshot(page, "timeline-resent")


def test_one_form_submitted_twice_at_once_sends_one_message(sign_in, sim, dashboard):
    """Past the button's own guard (a page without JavaScript, a retrying proxy): the two
    requests carry the form's one key, and only one new message is made."""
    failed = _failed(sim, "Sent once, however often")
    page = sign_in(SUPERVISOR)
    page.goto(dashboard.url + ANNA)
    before = len(_messages(sim))
    statuses = page.evaluate(
        """async (selector) => {
            const form = document.querySelector(selector);
            const post = () => fetch(form.action, {method: "POST", body: new FormData(form)});
            const answers = await Promise.all([post(), post()]);
            return answers.map((answer) => answer.status);
        }""",
        f"#resend-{failed} form",
    )
    assert all(status < 500 for status in statuses), statuses
    assert len(_messages(sim)) == before + 1
    made = AuditEntry.objects.filter(action="resend", outcome="ok").values_list(
        "message_id", flat=True
    )
    assert len(set(made)) == 1


def test_the_failed_page_lists_it_and_resends_it_in_place(sign_in, sim, dashboard, settings):
    settings.WALLBOARD_FAILED_SCAN = 200
    failed = _failed(sim, "Your parcel is at the door")
    page = sign_in(SUPERVISOR)
    page.goto(dashboard.url + "/failed/")
    row = page.locator(f"tr[data-message={failed}]")
    expect(row).to_contain_text("Anna Kowalska")
    expect(row).to_contain_text("recipient_unreachable")
    screenshot(page, "failed-deliveries")
    before = len(_messages(sim))
    row.get_by_role("button", name="Resend").click()
    expect(row).to_contain_text("Sent as a new message.")
    expect(row).to_contain_text("Resent as a new message by supervisor")
    assert len(_messages(sim)) == before + 1
    screenshot(page, "failed-deliveries-resent")


def test_outside_the_window_the_refusal_is_said_beside_the_button(sign_in, sim, dashboard):
    failed = _failed(sim, "Too late?")
    sim.advance(25 * 3600)
    page = sign_in(SUPERVISOR)
    page.goto(dashboard.url + ANNA)
    page.locator(f"#resend-{failed} button").click()
    block = page.locator(f"#resend-{failed}")
    expect(block).to_contain_text("Outside WhatsApp's 24-hour window only templates can be sent.")
    expect(block).to_contain_text("A template is needed now")
    expect(block.get_by_role("button", name="Resend")).to_be_visible()
    screenshot(page, "timeline-resend-refused")


def test_signed_in_the_wallboard_s_failed_tile_opens_the_failed_page(sign_in, dashboard):
    page = sign_in(SUPERVISOR)
    page.goto(dashboard.url + "/wallboard/")
    page.locator("a.tile", has_text="Failed").click()
    expect(page).to_have_url(dashboard.url + "/failed/")
    expect(page.get_by_role("heading", name="Failed deliveries")).to_be_visible()
