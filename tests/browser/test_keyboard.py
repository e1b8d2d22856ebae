"""In real Chromium: the list and a conversation without the mouse (static/js/keys.js)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from dashboard.accounts.roles import SUPERVISOR, TEAM_LEAD
from dashboard.simulator.seed import REFERENCE_CONVERSATION_ID
from tests.support.browser import screenshot

pytestmark = pytest.mark.browser
ANNA = f"/conversations/{REFERENCE_CONVERSATION_ID}/"
ROWS = "#conversation-results tbody tr"
CURRENT = "#conversation-results tr.is-current"


def _open_list(sign_in, dashboard):
    page = sign_in(TEAM_LEAD)
    page.goto(dashboard.url + "/")
    expect(page.locator(ROWS).first).to_be_visible()
    return page


def _row_urls(page, count: int) -> list[str]:
    return [
        page.locator(ROWS).nth(i).locator("a[href]").first.get_attribute("href")
        for i in range(count)
    ]


def _wait_for_a_refresh(page) -> None:
    """Until the list has re-rendered itself (it does every second in these tests)."""
    page.evaluate("document.getElementById('conversation-results').dataset.old = 'yes'")
    expect(page.locator("#conversation-results[data-old]")).to_have_count(0)


def _tab_stops_to(page, selector: str, limit: int = 200) -> list[str]:
    """Tab from the top of the page until `selector` has focus: where each press landed,
    as "timeline" (inside the messages) or the element's tag."""
    stops = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        stops.append(
            page.evaluate(
                "s => document.activeElement.matches(s) ? 'target'"
                " : document.activeElement.closest('#timeline') ? 'timeline'"
                " : document.activeElement.tagName",
                selector,
            )
        )
        if stops[-1] == "target":
            return stops
    raise AssertionError(f"{selector} not reached in {limit} Tab presses")


def test_j_and_k_move_the_current_row_and_enter_opens_it(sign_in, dashboard):
    page = _open_list(sign_in, dashboard)
    urls = _row_urls(page, 3)
    current = page.locator(CURRENT)
    for key, expected in [("j", 0), ("j", 1), ("k", 0), ("j", 1)]:
        page.keyboard.press(key)
        expect(current).to_have_count(1)
        expect(current.locator("a[href]").first).to_have_attribute("href", urls[expected])
        expect(current.locator("a[href]").first).to_be_focused()  # a screen reader follows
    screenshot(page, "list-current-row")
    _wait_for_a_refresh(page)
    expect(current.locator("a[href]").first).to_have_attribute("href", urls[1])
    expect(current.locator("a[href]").first).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(dashboard.url + urls[1])


def test_x_ticks_the_current_rows_checkbox_and_does_nothing_without_one(sign_in, dashboard):
    page = _open_list(sign_in, dashboard)
    # The list holds still (no refresh would take the checkbox this test adds away).
    page.evaluate("document.addEventListener('htmx:beforeRequest', e => e.preventDefault())")
    checked = page.locator("#conversation-results input[type=checkbox]:checked")
    page.keyboard.press("x")  # no current row yet: nothing
    page.keyboard.press("j")
    expect(page.locator(CURRENT)).to_have_count(1)
    # A row without a checkbox (whether or not the list has them): x does nothing.
    page.evaluate(
        "document.querySelectorAll('#conversation-results tr.is-current input').forEach(i => i.remove())"
    )
    page.keyboard.press("x")
    expect(checked).to_have_count(0)
    page.evaluate(
        """() => {
          const box = document.createElement('input');
          box.type = 'checkbox'; box.name = 'conversation';
          document.querySelector('#conversation-results tr.is-current').cells[0].prepend(box);
        }"""
    )
    box = page.locator(f"{CURRENT} input[type=checkbox]")
    page.keyboard.press("x")
    expect(box).to_be_checked()
    page.keyboard.press("j")  # the tick stays with its row; x works on the current one
    page.keyboard.press("k")
    page.keyboard.press("x")
    expect(box).not_to_be_checked()
    expect(checked).to_have_count(0)


def test_slash_focuses_the_search_box_and_a_j_typed_there_is_a_j(sign_in, dashboard):
    page = _open_list(sign_in, dashboard)
    search = page.locator("input[name=q]")
    page.keyboard.press("/")
    expect(search).to_be_focused()
    page.keyboard.press("j")
    expect(search).to_have_value("j")
    expect(page.locator(CURRENT)).to_have_count(0)
    page.keyboard.press("Escape")  # leaves the field, keeps the text
    expect(search).not_to_be_focused()
    expect(search).to_have_value("j")


def test_question_mark_shows_the_shortcuts_and_escape_closes_them(sign_in, dashboard):
    page = _open_list(sign_in, dashboard)
    urls = _row_urls(page, 1)
    page.keyboard.press("j")
    page.keyboard.press("?")
    dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Next, previous conversation")
    expect(dialog).to_contain_text("Write a reply")
    screenshot(page, "shortcuts-dialog")
    page.keyboard.press("j")  # not obeyed behind the dialog
    _wait_for_a_refresh(page)  # the row focus goes back to is a new element
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(page.locator(CURRENT).locator("a[href]").first).to_have_attribute("href", urls[0])
    expect(page.locator(CURRENT).locator("a[href]").first).to_be_focused()  # back where it was
    page.get_by_role("button", name="Keyboard shortcuts").click()  # without the keyboard
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Close").click()
    expect(dialog).to_be_hidden()


def test_r_ctrl_enter_sends_once_and_focus_stays_in_the_reply_box(sign_in, sim, dashboard):
    page = sign_in(SUPERVISOR)
    page.goto(dashboard.url + ANNA)
    box = page.locator("textarea[name=body]")
    page.keyboard.press("r")
    expect(box).to_be_focused()
    page.keyboard.type("On its way, ready at 5")
    page.keyboard.press("Control+Enter")
    expect(page.locator("#actions")).to_contain_text("Message sent.")
    expect(page.locator("#timeline li.message").last).to_contain_text("On its way, ready at 5")
    assert len(sim.logged(2, "POST", timeout=1)) == 1
    expect(box).to_be_focused()
    expect(box).to_have_value("")  # a fresh form, ready for the next one
    page.keyboard.press("Escape")
    expect(box).not_to_be_focused()


def test_a_reassigns_with_the_keyboard_alone_and_focus_returns_to_the_menu(sign_in, dashboard):
    page = sign_in(SUPERVISOR)
    page.goto(dashboard.url + ANNA)
    menu = page.locator("select[name=user_id]")
    page.keyboard.press("a")
    expect(menu).to_be_focused()
    page.keyboard.type("Ola")  # the menu's own type-to-select
    expect(menu.locator("option:checked")).to_have_text("Ola Kozłowska")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Reassign")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#actions")).to_contain_text("Conversation reassigned.")
    expect(page.locator("#conversation-head")).to_contain_text("Ola Kozłowska")
    expect(menu).to_be_focused()


def test_a_refused_reply_puts_focus_on_the_field_it_concerns(sign_in, dashboard):
    page = sign_in(SUPERVISOR)
    page.goto(dashboard.url + ANNA)
    page.keyboard.press("r")
    page.keyboard.press("Control+Enter")  # an empty text
    expect(page.locator("#actions")).to_contain_text("Write a message.")
    box = page.locator("textarea[name=body]")
    expect(box).to_be_focused()
    expect(box).to_have_attribute("aria-invalid", "true")
    expect(box).to_have_accessible_description("Write a message.")  # read with the field


def test_after_closing_focus_is_on_the_panels_notice(sign_in, dashboard):
    page = sign_in(TEAM_LEAD)
    page.goto(dashboard.url + ANNA)
    page.get_by_text("Close conversation…").focus()
    page.keyboard.press("Enter")  # opens the confirmation
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Yes, close it")).to_be_focused()
    page.keyboard.press("Enter")
    notice = page.locator("#actions [role=status]")
    expect(notice).to_have_text("Conversation closed.")
    expect(notice).to_be_focused()  # the form is gone: what happened, where focus is


def test_the_reply_box_is_one_tab_and_enter_from_the_top(sign_in, dashboard):
    page = sign_in(SUPERVISOR)
    page.goto(dashboard.url + ANNA)
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to reply")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()  # shown when focused
    screenshot(page, "conversation-skip-link")
    page.keyboard.press("Enter")
    expect(page.locator("textarea[name=body]")).to_be_focused()


def test_a_team_lead_skips_to_the_assignee_menu(sign_in, dashboard):
    page = sign_in(TEAM_LEAD)
    page.goto(dashboard.url + ANNA)
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to assignee")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("select[name=user_id]")).to_be_focused()


def test_a_messages_reactions_are_one_tab_stop_and_arrows_move_between_them(sign_in, dashboard):
    page = sign_in(SUPERVISOR)
    page.goto(dashboard.url + ANNA)
    toolbars = page.get_by_role("toolbar", name="React").count()
    assert toolbars == page.locator("#timeline li.message").count() == 3
    stops = _tab_stops_to(page, "textarea[name=body]")
    assert stops.count("timeline") == toolbars  # five buttons each, one Tab stop each
    second = page.locator("#timeline li.message").nth(1)
    bar = second.get_by_role("toolbar", name="React")
    bar.get_by_role("button").first.focus()
    page.keyboard.press("ArrowRight")
    expect(bar.get_by_role("button").nth(1)).to_be_focused()
    page.keyboard.press("End")
    expect(bar.get_by_role("button").last).to_be_focused()
    page.keyboard.press("ArrowRight")  # round to the first
    expect(bar.get_by_role("button").first).to_be_focused()
    page.keyboard.press("Tab")  # out of the toolbar, to the next message's
    expect(page.locator("#timeline li.message").nth(2).get_by_role("button").first).to_be_focused()


def test_focus_stays_on_a_reaction_button_when_the_timeline_re_renders(sign_in, dashboard):
    page = sign_in(SUPERVISOR)
    page.goto(dashboard.url + ANNA)
    message = page.locator("#timeline li.message").nth(1)
    message.get_by_title("React with 👍").focus()
    page.keyboard.press("Enter")
    expect(message.locator(".reactions")).to_contain_text("👍")
    expect(message.get_by_title("Remove 👍")).to_be_focused()
