"""In real Chromium: a team lead reads the team page and follows a count to the list."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from dashboard.accounts.roles import TEAM_LEAD
from tests.support.browser import screenshot

pytestmark = pytest.mark.browser


def test_a_lead_follows_a_member_s_count_and_the_unassigned_row_to_the_list(
    sign_in, sim, dashboard
):
    truth = sim.open_queue()
    names = {u["id"]: u["name"] for u in sim.api("GET", "/users").json()["users"]}
    page = sign_in(TEAM_LEAD)
    page.get_by_role("link", name="Team", exact=True).click()
    expect(page.locator("h1")).to_have_text("Team")
    busiest = page.locator("tr.team-row").first
    member = busiest.get_attribute("data-assignee")
    theirs = sorted(c["name"] for c in truth if c.get("assigneeId") == member)
    expect(busiest.locator("th")).to_have_text(names[member])
    expect(busiest.locator("a.count").first).to_have_text(str(len(theirs)))
    screenshot(page, "team")

    busiest.locator("a.count").first.click()
    expect(page).to_have_url(re.compile(rf"/\?assignee={member}$"))
    expect(page.locator(".index-age")).to_contain_text(f"{len(theirs)} open or pending")
    page.select_option("select[name=size]", "100")
    expect(page.locator("table.conversations tbody tr")).to_have_count(len(theirs))
    shown = sorted(page.locator("table.conversations a.contact").all_inner_texts())
    assert shown == theirs
    screenshot(page, "list-one-member")

    page.go_back()
    page.go_back()
    unassigned = page.locator("tr.team-row.unassigned a.count").first
    expected = sum(not c.get("assigneeId") for c in truth)
    expect(unassigned).to_have_text(str(expected))
    unassigned.click()
    expect(page).to_have_url(re.compile(r"/\?assignee=unassigned$"))
    expect(page.locator(".index-age")).to_contain_text(f"{expected} open or pending")
    expect(page.locator("table.conversations tbody tr")).to_have_count(min(25, expected))
    page.locator("summary", has_text="Assignee").click()
    screenshot(page, "list-unassigned-menu")
