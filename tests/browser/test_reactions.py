"""In real Chromium: a reaction Flownally does not take says so beside its message."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from dashboard.accounts.models import AuditEntry
from dashboard.accounts.roles import SUPERVISOR
from dashboard.simulator.seed import REFERENCE_CONVERSATION_ID
from tests.support.browser import screenshot

pytestmark = pytest.mark.browser
ANNA = f"/conversations/{REFERENCE_CONVERSATION_ID}/"


def test_a_reaction_during_an_outage_says_it_was_not_sent_and_a_retry_works(
    sign_in, sim, dashboard
):
    page = sign_in(SUPERVISOR)
    page.goto(dashboard.url + ANNA)
    sim.add_fault(kind="error", status=503, path="/reactions$")
    message = page.locator("#timeline li.message").nth(1)
    message.hover()
    message.get_by_title("React with 👍").click()
    status = message.locator(".react-status")
    expect(status).to_contain_text("The reaction was not sent")
    expect(message.locator(".reactions")).to_have_count(0)
    screenshot(page, "reaction-failed")
    assert AuditEntry.objects.get().outcome == AuditEntry.Outcome.FAILED
    sim.control("DELETE", "faults")
    message.hover()
    message.get_by_title("React with 👍").click()
    expect(page.locator("#timeline li.message").nth(1).locator(".reactions")).to_contain_text("👍")
