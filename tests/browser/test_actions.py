"""In real Chromium: the actions a supervisor and a team lead take, end to end."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from dashboard.accounts.models import AuditEntry
from dashboard.accounts.roles import SUPERVISOR, TEAM_LEAD, VIEWER
from dashboard.simulator.seed import REFERENCE_CONVERSATION_ID
from tests.support.browser import screenshot

pytestmark = pytest.mark.browser
ANNA = f"/conversations/{REFERENCE_CONVERSATION_ID}/"


def test_a_supervisor_sends_a_text_and_watches_it_get_delivered(sign_in, sim, dashboard):
    sim.control("POST", "config", {"failRate": 0, "readRate": 0})
    page = sign_in(SUPERVISOR)
    page.goto(dashboard.url + ANNA)
    page.fill("textarea[name=body]", "Your order is ready 🙂\nSee you soon")
    page.click("form.reply button[type=submit]")
    expect(page.locator("#actions")).to_contain_text("Message sent.")
    last = page.locator("#timeline li.message").last
    expect(last).to_contain_text("Your order is ready 🙂")
    expect(last).to_contain_text("Sending")
    sim.advance(4)
    expect(last).to_contain_text("Delivered")
    expect(page.locator("textarea[name=body]")).to_have_value("")  # a fresh form for the next one
    screenshot(page, "conversation-sent")
    assert AuditEntry.objects.filter(action="reply", outcome="ok").count() == 1


def test_outside_the_window_text_is_refused_beside_the_field_and_a_template_goes(
    sign_in, sim, dashboard
):
    sim.advance(25 * 3600)
    page = sign_in(SUPERVISOR)
    page.goto(dashboard.url + ANNA)
    expect(page.locator("#actions")).to_contain_text("WhatsApp allows only an approved template")
    page.check("input[name=kind][value=text]")
    page.fill("textarea[name=body]", "Hello?")
    page.click("form.reply button[type=submit]")
    expect(page.locator("#actions .kind")).to_contain_text(
        "Outside WhatsApp's 24-hour window only templates can be sent."
    )
    page.check("input[name=kind][value=template]")
    page.fill("input[name=template_name]", "order_ready")
    page.click("form.reply button[type=submit]")
    expect(page.locator("#timeline li.message").last).to_contain_text("order_ready")


def test_a_team_lead_reassigns_and_closes_with_confirmation(sign_in, dashboard):
    page = sign_in(TEAM_LEAD)
    page.goto(dashboard.url + ANNA)
    expect(page.locator("form.reply")).to_have_count(0)
    page.select_option("select[name=user_id]", label="Ola Kozłowska")
    page.get_by_role("button", name="Reassign").click()
    expect(page.locator("#conversation-head")).to_contain_text("Ola Kozłowska")
    page.get_by_text("Close conversation…").click()
    page.get_by_role("button", name="Yes, close it").click()
    expect(page.locator("#conversation-head")).to_contain_text("closed")
    assert list(AuditEntry.objects.values_list("action", flat=True)) == ["close", "reassign"]


def test_a_viewer_sees_no_controls(sign_in, dashboard):
    page = sign_in(VIEWER)
    page.goto(dashboard.url + ANNA)
    expect(page.locator("#actions form")).to_have_count(0)
    expect(page.locator("#actions button")).to_have_count(0)


def test_the_audit_log_shows_what_was_done(sign_in, dashboard):
    page = sign_in(SUPERVISOR)
    page.goto(dashboard.url + ANNA)
    page.get_by_text("Close conversation…").click()
    page.get_by_role("button", name="Yes, close it").click()
    expect(page.locator("#conversation-head")).to_contain_text("closed")
    page.locator(".nav summary", has_text="More").click()  # pages visited now and then
    page.get_by_role("link", name="Audit log").click()
    expect(page.locator("table")).to_contain_text("Closed")
    expect(page.locator("table")).to_contain_text(REFERENCE_CONVERSATION_ID)
    screenshot(page, "audit-log")


def test_a_supervisor_attaches_an_image_and_sees_it_in_the_timeline(
    sign_in, sim, dashboard, tmp_path
):
    from dashboard.simulator.seed import sample_png

    image = tmp_path / "label.png"
    image.write_bytes(sample_png())
    page = sign_in(SUPERVISOR)
    page.goto(dashboard.url + ANNA)
    page.check("input[name=kind][value=media]")  # the file input shows for File
    page.set_input_files("input[name=file]", str(image))
    page.fill("textarea[name=body]", "The label")
    page.click("form.reply button[type=submit]")
    expect(page.locator("#actions")).to_contain_text("Message sent.")
    expect(page.locator("#timeline li.message").last.locator("img.preview-image")).to_be_visible()
    expect(page.locator("#timeline li.message").last).to_contain_text("The label")
    natural_width = (
        page.locator("#timeline li.message")
        .last.locator("img.preview-image")
        .evaluate("img => img.naturalWidth")
    )
    assert natural_width == 160  # the real image came through the dashboard's media view


def test_a_file_that_is_too_big_is_refused_in_the_browser_before_upload(
    sign_in, sim, dashboard, settings, tmp_path
):
    settings.MEDIA_MAX_BYTES = 1000
    big = tmp_path / "big.png"
    big.write_bytes(b"\x89PNG\r\n\x1a\n" + b"0" * 5000)
    page = sign_in(SUPERVISOR)
    page.goto(dashboard.url + ANNA)
    page.check("input[name=kind][value=media]")  # the file input shows for File
    page.set_input_files("input[name=file]", str(big))
    expect(page.locator(".file-problem")).to_contain_text("files may be at most")
    page.click("form.reply button[type=submit]")
    assert [e for e in sim.request_log() if e["method"] == "POST"] == []


def test_a_supervisor_reacts_and_takes_the_reaction_back(sign_in, dashboard):
    page = sign_in(SUPERVISOR)
    page.goto(dashboard.url + ANNA)
    message = page.locator("#timeline li.message").nth(1)
    message.hover()
    message.get_by_title("React with 👍").click()
    expect(page.locator("#timeline li.message").nth(1).locator(".reactions")).to_contain_text("👍")
    page.locator("#timeline li.message").nth(1).get_by_title("Remove 👍").click()
    expect(page.locator("#timeline li.message").nth(1).locator(".reactions")).to_have_count(0)
    assert list(AuditEntry.objects.order_by("id").values_list("action", flat=True)) == [
        "react",
        "unreact",
    ]


def test_a_viewer_forging_a_post_from_the_page_gets_403(sign_in, sim, dashboard):
    page = sign_in(VIEWER)
    page.goto(dashboard.url + ANNA)
    token = page.evaluate("JSON.parse(document.body.getAttribute('hx-headers'))['X-CSRFToken']")
    response = page.request.post(
        dashboard.url + ANNA + "close/",
        form={"idempotency_key": "forged"},
        headers={"X-CSRFToken": token, "Referer": dashboard.url + ANNA},
    )
    assert response.status == 403
    assert sim.api("GET", f"/conversations/{REFERENCE_CONVERSATION_ID}").json()["status"] == "open"
    assert not AuditEntry.objects.exists()


def test_when_flownally_is_down_the_list_says_so_plainly_and_recovers_by_itself(
    sign_in, sim, dashboard, settings
):
    page = sign_in(VIEWER)
    settings.FLOWNALLY_API_URL = "http://127.0.0.1:9/v1"
    page.goto(dashboard.url + "/?status=open&sort=lastMessageAt:desc")
    expect(page.locator(".problem")).to_contain_text("Flownally is not answering right now")
    expect(page.locator(".problem")).to_contain_text("FLOWNALLY_API_URL")
    screenshot(page, "error-state")
    settings.FLOWNALLY_API_URL = sim.base_url  # Flownally is back
    expect(page.locator("#conversation-results")).to_contain_text("Anna Kowalska")
    expect(page.locator(".problem")).to_have_count(0)
