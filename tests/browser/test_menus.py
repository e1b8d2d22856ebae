"""In real Chromium: the list's filter menus say what is chosen, and Escape closes them."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from dashboard.accounts.roles import VIEWER

pytestmark = pytest.mark.browser


def test_the_status_menu_says_what_is_chosen_and_escape_closes_it(sign_in, sim, dashboard):
    page = sign_in(VIEWER)
    page.goto(dashboard.url + "/")
    menu = page.locator("details.menu").filter(has=page.locator("#status-summary"))
    summary = page.locator("#status-summary")
    expect(summary).to_have_text("Status: any")
    summary.click()
    menu.get_by_label("Pending").check()
    expect(page).to_have_url(re.compile(r"\?status=pending&"))
    expect(page.locator("#status-summary")).to_have_text("Status: Pending")
    expect(menu).to_have_attribute("open", "")
    page.keyboard.press("Escape")
    expect(menu).not_to_have_attribute("open", "")
    expect(page.locator("#status-summary")).to_be_focused()
