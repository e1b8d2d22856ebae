"""In real Chromium: two people on one conversation see each other, and stop seeing each
other soon after one leaves; someone else's reply a moment ago is asked about first."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.cache import cache
from playwright.sync_api import expect

from dashboard.accounts.models import AuditEntry
from dashboard.accounts.roles import SUPERVISOR
from dashboard.conversations import presence
from dashboard.simulator.seed import REFERENCE_CONVERSATION_ID
from tests.support.accounts import PASSWORD
from tests.support.axe import describe, severe_violations
from tests.support.browser import screenshot
from tests.support.waiting import until

pytestmark = pytest.mark.browser
CONVERSATION = f"/conversations/{REFERENCE_CONVERSATION_ID}/"
KEY = presence.key(REFERENCE_CONVERSATION_ID)


def _signed_in(page, dashboard, username: str):
    user = get_user_model().objects.create_user(username, password=PASSWORD)
    user.groups.add(Group.objects.get(name=SUPERVISOR))
    page.goto(f"{dashboard.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{dashboard.url}{CONVERSATION}")
    return page


@pytest.fixture
def second_browser(browser):
    """Another person's browser: a context of its own (its own cookies)."""
    context = browser.new_context()
    yield context
    context.close()


def test_two_supervisors_see_each_other_and_not_after_one_closes_the_page(
    dashboard, page, second_browser
):
    marta = _signed_in(page, dashboard, "marta")
    ola = _signed_in(second_browser.new_page(), dashboard, "ola")
    expect(ola.locator("#presence")).to_have_text("● marta (supervisor) is here too.")
    # Marta's page learns it from its next poll (one second here), without a reload.
    expect(marta.locator("#presence")).to_have_text("● ola (supervisor) is here too.")
    expect(marta.locator("#presence")).to_have_attribute("role", "status")
    screenshot(marta, "conversation-presence")
    assert not (found := severe_violations(marta)), describe(found)
    ola.close()  # the tab is closed: no word from it, its entry runs out
    expect(marta.locator("#presence")).to_have_text("", timeout=8_000)


def test_navigating_away_drops_out_at_the_next_poll(dashboard, page, second_browser):
    marta = _signed_in(page, dashboard, "marta")
    ola = _signed_in(second_browser.new_page(), dashboard, "ola")
    expect(marta.locator("#presence")).to_contain_text("ola (supervisor)")
    ola.goto(f"{dashboard.url}/")  # the page says it was left as it goes
    # Gone from the roster at once (the live server shares this process's cache), not at
    # the end of the entry's 3.5 poll intervals...
    until(
        lambda: "ola (supervisor)" not in presence.others(cache.get(KEY), None),
        timeout=1,
        what="the page that was left is still in the roster",
    )
    # ... so Marta's next poll says so.
    expect(marta.locator("#presence")).to_have_text("", timeout=2_000)


def test_someone_elses_reply_a_moment_ago_is_asked_about_first(dashboard, page, sim):
    sim.control("POST", "config", {"failRate": 0, "readRate": 0})
    marta = _signed_in(page, dashboard, "marta")
    ola = get_user_model().objects.create_user("ola", password=PASSWORD)
    ola.groups.add(Group.objects.get(name=SUPERVISOR))
    AuditEntry.objects.create(
        user=ola, username="ola", action="reply", conversation_id=REFERENCE_CONVERSATION_ID,
        outcome="ok",
    )  # fmt: skip
    marta.get_by_role("textbox", name="Message").fill("I will take this one")
    marta.get_by_role("button", name="Send", exact=True).click()
    prompt = marta.locator("form.reply .request-error")
    expect(prompt).to_contain_text("ola (supervisor) replied")
    expect(prompt).to_contain_text("Nothing was sent yet.")
    screenshot(marta, "conversation-confirm")
    assert not (found := severe_violations(marta)), describe(found)
    prompt.get_by_role("link", name="Cancel").click()
    expect(prompt).to_have_count(0)
    expect(marta.get_by_role("textbox", name="Message")).to_have_value("I will take this one")
    marta.get_by_role("button", name="Send", exact=True).click()
    marta.get_by_role("button", name="Send anyway").click()
    expect(marta.locator("#actions")).to_contain_text("Message sent.")
    expect(marta.locator("#timeline li.message").last).to_contain_text("I will take this one")
    sent = [
        m
        for m in sim.api("GET", f"/conversations/{REFERENCE_CONVERSATION_ID}/messages").json()[
            "messages"
        ]
        if m["content"].get("text", {}).get("body") == "I will take this one"
    ]
    assert len(sent) == 1
