"""In real Chromium at 390x844: a supervisor checks the queue from a phone (static/css/phone.css).

Nothing may be wider than the screen; the list is a card per conversation with its wait and
status in view; a conversation is one column with the reply form below the messages; the
navigation wraps into the width and still works from the keyboard."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from dashboard.accounts.roles import SUPERVISOR
from dashboard.simulator.seed import REFERENCE_CONVERSATION_ID
from tests.support.browser import screenshot

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1440, "height": 900}
ROWS = "#conversation-results tbody tr"


def _page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def _within_width(page, locator, width: int = PHONE["width"]) -> None:
    """The element is drawn inside the screen's width (not off to the right, not cut)."""
    box = locator.bounding_box()
    assert box is not None, "not rendered"
    assert box["x"] >= 0 and box["x"] + box["width"] <= width, box


def _supervisor_on_a_phone(sign_in, dashboard):
    page = sign_in(SUPERVISOR)
    page.set_viewport_size(PHONE)
    page.goto(dashboard.url + "/")
    expect(page.locator(ROWS).first).to_be_visible()
    return page


def test_the_list_is_a_card_per_conversation_with_the_wait_and_status_in_view(sign_in, dashboard):
    page = _supervisor_on_a_phone(sign_in, dashboard)
    assert _page_width(page) <= PHONE["width"]
    screenshot(page, "phone-list")

    waiting = page.locator(f"{ROWS}.is-waiting").first
    for part in (".wait", ".status", "a.contact"):
        expect(waiting.locator(part)).to_be_visible()
        _within_width(page, waiting.locator(part))
    # A card, not a row of columns: the wait sits below the contact's name, not beside it.
    name, wait = (
        waiting.locator("a.contact").bounding_box(),
        waiting.locator(".wait").bounding_box(),
    )
    assert name and wait and wait["y"] >= name["y"] + name["height"], (name, wait)
    # Each card says what its values are: the column headings are not on screen.
    expect(waiting.locator("td[data-label='Waiting']")).to_be_visible()
    expect(waiting.locator("td[data-label='Status · assignee']")).to_be_visible()


def test_a_conversation_is_one_column_with_the_reply_form_reachable(sign_in, dashboard):
    page = _supervisor_on_a_phone(sign_in, dashboard)
    page.goto(dashboard.url + f"/conversations/{REFERENCE_CONVERSATION_ID}/")
    reply = page.locator("#actions form").first.get_by_role("button", name="Send", exact=True)
    expect(reply).to_be_attached()
    assert _page_width(page) <= PHONE["width"]
    screenshot(page, "phone-conversation")

    timeline = page.locator("section.timeline").bounding_box()
    actions = page.locator(".actions").first.bounding_box()
    assert timeline and actions and actions["y"] >= timeline["y"] + timeline["height"]
    # The skip link takes a thumb or a keyboard straight to the message box, in view.
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    box = page.locator("textarea[name=body]").first
    expect(box).to_be_focused()
    expect(box).to_be_in_viewport()
    _within_width(page, box)
    box.fill("On my way in, back in ten minutes")
    reply.scroll_into_view_if_needed()
    expect(reply).to_be_in_viewport()
    _within_width(page, reply)


def test_new_message_and_the_team_page_fit_the_screen(sign_in, dashboard):
    page = _supervisor_on_a_phone(sign_in, dashboard)
    page.goto(dashboard.url + reverse("new_message"))
    expect(page.locator("h1")).to_have_text("New message")
    assert _page_width(page) <= PHONE["width"]
    _within_width(page, page.get_by_role("button", name="Send"))
    screenshot(page, "phone-new-message")

    page.goto(dashboard.url + reverse("team"))
    expect(page.locator("tr.team-row").first).to_be_visible()
    assert _page_width(page) <= PHONE["width"]
    _within_width(page, page.locator("tr.team-row").first.locator("a.count").first)
    screenshot(page, "phone-team")


def test_the_navigation_folds_behind_a_menu_that_works_from_the_keyboard(sign_in, dashboard):
    page = _supervisor_on_a_phone(sign_in, dashboard)
    expect(page.locator("nav.nav")).to_be_hidden()  # folded: the page starts high up
    menu = page.locator("details.nav-menu")
    summary = menu.locator("summary")
    _within_width(page, summary)
    _within_width(page, page.get_by_role("button", name="Sign out"))
    assert summary.bounding_box()["y"] < 120  # one line under the brand, not three
    # Past the skip link and the brand, Tab reaches "Menu"; Enter opens it, Tab goes
    # through its links in order, and Enter follows one.
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(summary).to_be_focused()
    page.keyboard.press("Enter")
    page.screenshot(path=str(screenshot(page, "phone-nav-open")), full_page=False)  # the top
    for link in menu.get_by_role("link").all():
        expect(link).to_be_visible()
        _within_width(page, link)
    page.keyboard.press("Escape")  # folds it again, the focus back on "Menu"
    expect(menu.get_by_role("link", name="Team")).to_be_hidden()
    expect(summary).to_be_focused()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    expect(menu.get_by_role("link", name="Conversations")).to_be_focused()
    page.keyboard.press("Tab")
    expect(menu.get_by_role("link", name="Team")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Team")


def test_the_desktop_layout_keeps_its_table_and_two_columns(sign_in, dashboard):
    """What phone.css does stays on phones: at 1440x900 the list is a table with its
    headings and a conversation has its panel beside the messages."""
    page = sign_in(SUPERVISOR)
    page.set_viewport_size(DESKTOP)
    page.goto(dashboard.url + "/")
    expect(page.locator("#conversation-results thead th", has_text="Waiting")).to_be_visible()
    row = page.locator(ROWS).first.bounding_box()
    assert row and row["height"] < 100, row
    screenshot(page, "desktop-list")

    page.goto(dashboard.url + f"/conversations/{REFERENCE_CONVERSATION_ID}/")
    timeline = page.locator("section.timeline").bounding_box()
    actions = page.locator(".actions").first.bounding_box()
    assert timeline and actions and actions["x"] >= timeline["x"] + timeline["width"]
    screenshot(page, "desktop-conversation")

    page.goto(dashboard.url + reverse("new_message"))
    expect(page.locator("h1")).to_have_text("New message")
    screenshot(page, "desktop-new-message")
    page.goto(dashboard.url + reverse("team"))
    expect(page.locator("tr.team-row").first).to_be_visible()
    screenshot(page, "desktop-team")
