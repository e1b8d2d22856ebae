"""In real Chromium: the tab title counts customers waiting past the alert threshold while
the page stays open, and a user who opted in gets one desktop notification per new
crossing, none for what was known when the page loaded."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from dashboard.accounts.roles import TEAM_LEAD, VIEWER
from tests.support.browser import screenshot

pytestmark = pytest.mark.browser

# Test code, not the app's: records each notification the page makes instead of showing it.
CAPTURE_NOTIFICATIONS = """
window.__notes = [];
window.Notification = class {
  constructor(title, options) {
    this.title = title;
    this.tag = options && options.tag;
    window.__notes.push(this);
  }
  close() {}
  static get permission() { return "granted"; }
  static requestPermission() { return Promise.resolve("granted"); }
};
"""


@pytest.fixture
def lagging(sim, dashboard, settings):
    """The simulator's clock 20 minutes behind ours: a customer who writes now has waited
    past the 15-minute threshold by the dashboard's clock, and so has every seeded one."""
    settings.WAIT_ALERT_MINUTES = 15
    settings.ALERTS_POLL_SECONDS = settings.OPEN_QUEUE_REFRESH_SECONDS = 1
    start = datetime.now(UTC) - timedelta(minutes=20)
    sim.reset(startTime=start.isoformat().replace("+00:00", "Z"))
    return sim


def waiting_now(sim) -> int:
    return sum(1 for c in sim.open_queue() if c.get("waitingSince"))


def quiet_conversation(sim) -> tuple[str, str]:
    """An open conversation nobody waits in: its ID and name."""
    found = next(c for c in sim.open_queue() if c["status"] == "open" and not c.get("waitingSince"))
    return found["id"], found.get("name") or found.get("contactName") or found["externalId"]


def crossings_told(page) -> list[dict]:
    """The notifications this page showed for customers crossing the threshold, after
    checking that no key was told twice. (A conversation that becomes active enters the
    walk's scan for failed deliveries, and an earlier failure found there is told too:
    not what is counted here.)"""
    notes = page.evaluate("window.__notes.map((n) => ({title: n.title, tag: n.tag}))")
    tags = [n["tag"] for n in notes]
    assert len(tags) == len(set(tags)), notes  # once per crossing or failed message
    return [n for n in notes if n["tag"].startswith("wait:")]


def titled(count: int, base: str) -> re.Pattern[str]:
    return re.compile(rf"^\({count}\) {re.escape(base)}$")


def test_the_tab_title_counts_a_customer_who_crosses_the_threshold_while_it_is_open(
    sign_in, lagging, dashboard
):
    waiting = waiting_now(lagging)
    watched, _ = quiet_conversation(lagging)
    page = sign_in(VIEWER)
    page.goto(f"{dashboard.url}/conversations/{watched}/")
    base = page.locator("h1").inner_text() + " · Flownally Supervisor"
    expect(page).to_have_title(titled(waiting, base), timeout=15_000)
    page.evaluate("window.__notReloaded = true")

    other = next(
        c["id"]
        for c in lagging.open_queue()
        if c["status"] == "open" and not c.get("waitingSince") and c["id"] != watched
    )
    lagging.simulator.backend.inbound({"conversationId": other, "text": "Hello? Anyone there?"})
    expect(page).to_have_title(titled(waiting + 1, base), timeout=15_000)
    assert page.evaluate("window.__notReloaded") is True

    # On the list, too.
    page.goto(f"{dashboard.url}/")
    expect(page).to_have_title(titled(waiting + 1, "Conversations · Flownally Supervisor"))
    screenshot(page, "alerts-list-title")

    # Flownally stops answering: the index goes stale, and the count stays rather than
    # flash to zero.
    lagging.add_fault(kind="error", status=503)
    state = page.locator("#alert-state")
    expect(state).to_have_attribute("data-state", "unavailable", timeout=30_000)
    assert page.title() == f"({waiting + 1}) Conversations · Flownally Supervisor"


def test_one_notification_per_new_crossing_none_for_what_was_known(sign_in, lagging, dashboard):
    page = sign_in(TEAM_LEAD)
    page.context.add_init_script(CAPTURE_NOTIFICATIONS)
    page.context.grant_permissions(["notifications"], origin=dashboard.url)

    # The user opts in on the preference page.
    page.locator(".nav summary", has_text="More").click()
    page.get_by_role("link", name="Alerts").first.click()
    expect(page.locator("h1")).to_have_text("Alerts")
    page.get_by_label("A desktop notification").check()
    expect(page.locator("#alert-permission")).to_contain_text("allows notifications")
    screenshot(page, "alerts-preferences")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".flash")).to_have_text("Alerts saved.")
    expect(page.get_by_label("A desktop notification")).to_be_checked()
    waiting = waiting_now(lagging)
    expect(page).to_have_title(titled(waiting, "Alerts · Flownally Supervisor"), timeout=15_000)
    assert crossings_told(page) == []  # known when the page loaded

    # Another page, with no tab of this browser having told anything yet: still nothing.
    page.evaluate("localStorage.clear()")
    page.goto(f"{dashboard.url}/")
    expect(page).to_have_title(
        titled(waiting, "Conversations · Flownally Supervisor"), timeout=15_000
    )
    assert crossings_told(page) == []  # known when the page loaded

    crossing, name = quiet_conversation(lagging)
    lagging.simulator.backend.inbound({"conversationId": crossing, "text": "Still there?"})
    expect(page).to_have_title(re.compile(rf"^\({waiting + 1}\) "), timeout=15_000)
    notes = crossings_told(page)
    assert len(notes) == 1, notes
    assert notes[0]["tag"].startswith(f"wait:{crossing}:")
    assert notes[0]["title"] == f"{name} is waiting over 15 min"

    # More polls bring the same crossing: still the one notification.
    for _ in range(3):
        with page.expect_response(lambda r: "/alerts/state/" in r.url):
            pass
    assert crossings_told(page) == notes

    # Clicking it opens the conversation.
    page.evaluate(
        "window.__notes.find((n) => n.tag.startsWith('wait:" + crossing + ":')).onclick()"
    )
    expect(page).to_have_url(f"{dashboard.url}/conversations/{crossing}/")
    expect(page).to_have_title(re.compile(rf"^\({waiting + 1}\) "), timeout=15_000)
    with page.expect_response(lambda r: "/alerts/state/" in r.url):
        pass
    assert crossings_told(page) == []  # a new page: all of it was known


def test_the_preference_page_says_plainly_when_the_browser_blocks_notifications(sign_in, dashboard):
    page = sign_in(VIEWER)
    page.goto(f"{dashboard.url}/alerts/")
    # Nobody granted this origin notifications: headless Chromium refuses at once.
    page.get_by_label("A desktop notification").check()
    expect(page.locator("#alert-permission")).to_contain_text(
        "Your browser blocks notifications from this dashboard"
    )
    expect(page.get_by_label("A desktop notification")).not_to_be_checked()
