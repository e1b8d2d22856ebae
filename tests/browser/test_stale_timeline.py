"""In real Chromium: while Flownally fails, an open conversation says its timeline is
stale and how old, and the page clears that by itself once Flownally answers again."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from dashboard.accounts.roles import VIEWER
from dashboard.simulator.seed import REFERENCE_CONVERSATION_ID
from tests.support.browser import screenshot

pytestmark = pytest.mark.browser
ANNA = f"/conversations/{REFERENCE_CONVERSATION_ID}/"


def test_the_timeline_says_it_is_stale_during_an_outage_and_recovers_by_itself(
    sign_in, sim, dashboard, settings
):
    settings.FLOWNALLY_CACHE_TTL_CONVERSATION = 0.2
    settings.FLOWNALLY_CACHE_TTL_MESSAGES = 0.2
    settings.FLOWNALLY_CIRCUIT_OPEN_SECONDS = 1
    page = sign_in(VIEWER)
    page.goto(dashboard.url + ANNA)
    # The notice on screen (the layout's live region says it too, once: announce.js).
    notice = (
        page.locator("#timeline")
        .get_by_role("status")
        .filter(has_text="Flownally is not answering")
    )
    messages = page.locator("#timeline li.message")
    expect(messages.first).to_be_visible()
    shown = messages.count()
    expect(notice).to_have_count(0)

    sim.add_fault(kind="error", status=503, retryAfter=0, path=f"^/v1{ANNA.rstrip('/')}")

    expect(notice).to_be_visible()
    expect(notice).to_contain_text("showing the timeline as of")
    expect(notice).to_contain_text("this page keeps trying")
    expect(messages).to_have_count(shown)  # the last good timeline stays on screen
    screenshot(page, "conversation-stale-timeline")

    sim.control("DELETE", "faults")

    expect(notice).to_have_count(0, timeout=10_000)
    expect(messages).to_have_count(shown)
