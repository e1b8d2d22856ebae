"""In real Chromium: the list and a conversation update themselves, without reloading."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from dashboard.accounts.roles import SUPERVISOR, VIEWER
from dashboard.simulator.seed import HOSTILE_CONVERSATION_ID, REFERENCE_CONVERSATION_ID
from tests.support.browser import screenshot

pytestmark = pytest.mark.browser


def test_a_sent_message_goes_from_sending_to_delivered_without_a_reload(sign_in, sim, dashboard):
    sim.control("POST", "config", {"failRate": 0, "readRate": 0})
    page = sign_in(SUPERVISOR)
    page.goto(f"{dashboard.url}/?sort=lastMessageAt:desc")  # newest activity: Anna on top
    page.get_by_role("link", name="Anna Kowalska").click()
    expect(page.locator("h1")).to_have_text("Anna Kowalska")
    expect(page.locator("#conversation-head")).to_contain_text("Waiting")
    page.evaluate("window.__notReloaded = true")
    sim.api(
        "POST",
        f"/conversations/{REFERENCE_CONVERSATION_ID}/messages",
        json={"content": {"type": "text", "text": {"body": "Your parcel left the warehouse"}}},
    )
    last = page.locator("#timeline li.message").last
    expect(last).to_contain_text("Your parcel left the warehouse")
    expect(last).to_contain_text("Sending")
    sim.advance(4)
    expect(last).to_contain_text("Delivered")
    expect(page.locator("#conversation-head")).not_to_contain_text("Waiting")  # the team answered
    assert page.evaluate("window.__notReloaded") is True
    screenshot(page, "conversation-live")


def test_a_customer_message_appears_in_the_open_conversation(sign_in, sim, dashboard):
    page = sign_in(VIEWER)
    page.goto(f"{dashboard.url}/conversations/{REFERENCE_CONVERSATION_ID}/")
    sim.control(
        "POST",
        "inbound",
        {"conversationId": REFERENCE_CONVERSATION_ID, "text": "Is it there yet? 📦"},
    )
    expect(page.locator("#timeline li.message").last).to_contain_text("Is it there yet? 📦")


def test_customer_markup_renders_as_text(sign_in, dashboard):
    page = sign_in(VIEWER)
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(f"{dashboard.url}/conversations/{HOSTILE_CONVERSATION_ID}/")
    expect(page.locator("#timeline")).to_contain_text('<script>alert("pwned")</script>')
    expect(page.locator("#timeline")).to_contain_text("<img src=x onerror=alert(document.cookie)>")
    expect(page.locator("h1")).to_have_text("Mallory <img src=x onerror=alert(1)>")
    assert page.locator("#timeline img").count() == 0 and dialogs == []


def test_the_list_refreshes_its_first_page_but_not_while_a_filter_menu_is_open(
    sign_in, sim, dashboard
):
    page = sign_in(VIEWER)
    page.goto(f"{dashboard.url}/?sort=lastMessageAt:desc")  # a newcomer shows on top
    expect(page.locator("h1")).to_have_text("Conversations")
    sim.control(
        "POST",
        "inbound",
        {
            "channel": "whatsapp",
            "externalId": "+48 111 222 333",
            "name": "Zed Newcomer",
            "text": "Hello from a new customer",
        },
    )
    expect(page.locator("#conversation-results")).to_contain_text("Zed Newcomer")
    page.locator("details.menu summary").first.click()
    sim.control(
        "POST",
        "inbound",
        {
            "channel": "whatsapp",
            "externalId": "+48 444 555 666",
            "name": "Yara Waitlater",
            "text": "Me too",
        },
    )
    page.wait_for_timeout(2500)  # two refresh intervals pass with the menu open
    expect(page.locator("#conversation-results")).not_to_contain_text("Yara Waitlater")
    page.locator("details.menu summary").first.click()  # close the menu: refreshing resumes
    expect(page.locator("#conversation-results")).to_contain_text("Yara Waitlater")


def test_filters_live_in_the_url_and_the_back_button_restores_them(sign_in, dashboard):
    page = sign_in(VIEWER)
    page.select_option("select[name=sort]", "waitingSince:asc")
    expect(page).to_have_url(re.compile(r"sort=waitingSince%3Aasc"))
    page.get_by_role("link", name="Next →").click()
    expect(page.locator(".pager")).to_contain_text("Page 2")
    expect(page).to_have_url(re.compile(r"cursor="))
    page.go_back()
    expect(page.locator(".pager")).to_contain_text("Page 1")
    screenshot(page, "list")
