"""In real Chromium: an action that fails says so beside the control that made it, whatever
failed (Flownally, the dashboard, the network), and the control works again."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from dashboard.accounts.roles import SUPERVISOR
from dashboard.simulator.seed import REFERENCE_CONVERSATION_ID, sample_png
from tests.support.browser import screenshot

pytestmark = pytest.mark.browser
ANNA = f"/conversations/{REFERENCE_CONVERSATION_ID}/"
REASSIGN = "#actions form[action$='/reassign/']"
REPLY = "#actions form.reply"


def _open(sign_in, dashboard):
    page = sign_in(SUPERVISOR)
    page.goto(dashboard.url + ANNA)
    page.select_option("select[name=user_id]", label="Ola Kozłowska")
    return page


def test_a_flownally_502_is_said_beside_the_control_with_the_servers_words(
    sign_in, sim, dashboard, no_cache
):
    page = _open(sign_in, dashboard)
    sim.add_fault(kind="error", status=502, path="^/v1/")  # everything, the panel's reads too
    page.get_by_role("button", name="Reassign").click()
    alert = page.locator(f"{REASSIGN} .request-error[role=alert]")
    expect(alert).to_contain_text("Flownally is not answering right now")
    expect(alert).to_contain_text("look at the timeline")  # what became of the action
    expect(page.get_by_role("button", name="Reassign")).to_be_enabled()
    screenshot(page, "action-failed-flownally-502")
    # Flownally is back: the same press goes, and the message goes with the old panel.
    sim.control("DELETE", "faults")
    page.get_by_role("button", name="Reassign").click()
    expect(page.locator("#actions")).to_contain_text("Conversation reassigned.")
    expect(page.locator("#actions .request-error")).to_have_count(0)


def test_a_failed_upload_resets_the_bar(sign_in, sim, dashboard, no_cache, tmp_path):
    image = tmp_path / "label.png"
    image.write_bytes(sample_png() + bytes(3_000_000))  # big enough to show progress
    page = _open(sign_in, dashboard)
    page.evaluate(
        """document.addEventListener("htmx:xhr:progress", (event) => {
             if (event.detail.lengthComputable) window.sawProgress = true;
           })"""
    )
    sim.add_fault(kind="error", status=502, path="^/v1/")
    page.check("input[name=kind][value=media]")  # the file input shows for File
    page.set_input_files("input[name=file]", str(image))
    page.fill("textarea[name=body]", "The label")
    page.click(f"{REPLY} button[type=submit]")
    expect(page.locator(f"{REPLY} .request-error")).to_contain_text("not answering")
    assert page.evaluate("window.sawProgress") is True  # the bar did move
    bar = page.locator(f"{REPLY} .upload-progress")
    expect(bar).to_be_hidden()
    assert bar.evaluate("bar => bar.value") == 0
    expect(page.locator(f"{REPLY} button[type=submit]")).to_be_enabled()
    screenshot(page, "upload-failed")


def test_a_network_failure_is_reported_and_the_next_success_clears_it(sign_in, dashboard):
    page = _open(sign_in, dashboard)
    page.route("**/reassign/", lambda route: route.abort())
    page.get_by_role("button", name="Reassign").click()
    alert = page.locator(f"{REASSIGN} .request-error[role=alert]")
    expect(alert).to_have_text(
        "Could not reach the dashboard — check your connection."
        " If it got through, pressing again is safe: it will not be sent twice."
    )
    expect(page.get_by_role("button", name="Reassign")).to_be_enabled()
    screenshot(page, "action-failed-network")
    page.unroute("**/reassign/")
    page.get_by_role("button", name="Reassign").click()
    expect(page.locator("#actions")).to_contain_text("Conversation reassigned.")
    expect(page.locator(f"{REASSIGN} .request-error")).to_have_count(0)


def test_no_answer_in_time_says_it_may_have_been_sent_and_that_pressing_again_is_safe(
    sign_in, dashboard
):
    page = _open(sign_in, dashboard)
    page.evaluate("htmx.config.timeout = 1000")  # instead of a minute
    page.route("**/reassign/", lambda route: None)  # held: never answered
    page.get_by_role("button", name="Reassign").click()
    expect(page.locator(f"{REASSIGN} .request-error")).to_contain_text(
        "It may have been sent: pressing again is safe, it will not be sent twice."
    )
    expect(page.get_by_role("button", name="Reassign")).to_be_enabled()
    screenshot(page, "action-timed-out")


def test_a_dashboard_error_page_without_our_fragment_gets_a_plain_sentence(sign_in, dashboard):
    page = _open(sign_in, dashboard)
    page.route(
        "**/reassign/",
        lambda route: route.fulfill(
            status=502, content_type="text/html", body="<html><h1>502 Bad Gateway</h1></html>"
        ),
    )
    page.get_by_role("button", name="Reassign").click()
    alert = page.locator(f"{REASSIGN} .request-error[role=alert]")
    expect(alert).to_contain_text("The dashboard or Flownally is not answering right now.")
    expect(alert).not_to_contain_text("Bad Gateway")
