"""In real Chromium: a team lead selects 30 conversations with shift-click, spreads them
over three members, watches the job's bar reach the end, and the team page shows the new
counts.

The job runs on django-tasks-db's own worker, in a thread of this process
(tests/support/worker.py): the live server's database is this test's (a transactional
one), which a `db_worker` process could not see on SQLite in memory."""

from __future__ import annotations

from collections import Counter

import pytest
from playwright.sync_api import expect

from dashboard.accounts.roles import TEAM_LEAD
from tests.support.browser import screenshot
from tests.support.bulk import processed
from tests.support.worker import worker_thread

pytestmark = pytest.mark.browser


def test_a_lead_spreads_thirty_conversations_over_three_members(sign_in, sim, dashboard, settings):
    settings.OPEN_QUEUE_REFRESH_SECONDS = 1
    settings.BULK_CONCURRENCY = 4
    users = [u for u in sim.api("GET", "/users").json()["users"] if u.get("active", True)]
    chosen = users[:3]
    page = sign_in(TEAM_LEAD)
    page.goto(f"{dashboard.url}/?status=open&status=pending&size=50")
    boxes = page.locator('input[data-select="rows"]')
    expect(boxes).to_have_count(50)
    boxes.nth(0).click()
    boxes.nth(29).click(modifiers=["Shift"])
    expect(page.locator("[data-selected-count]")).to_have_text("30 selected")
    assert [boxes.nth(i).is_checked() for i in range(31)] == [True] * 30 + [False]
    selected = [boxes.nth(i).get_attribute("value") for i in range(30)]
    page.locator("summary", has_text="Spread evenly").click()
    for user in chosen:
        page.locator("#bulk-form .menu-body label", has_text=user["name"]).locator("input").check()
    screenshot(page, "bulk-selected")
    page.get_by_role("button", name="Spread over the chosen…").click()

    sentence = page.locator("#bulk-sentence")
    expect(sentence).to_contain_text("Reassign")
    moving = int(sentence.inner_text().split()[1])
    assert 0 < moving <= 30
    for user in chosen:
        expect(sentence).to_contain_text(user["name"].split()[0])
    screenshot(page, "bulk-preview")

    with worker_thread():
        page.get_by_role("button", name="Confirm").click()
        progress = page.locator("#bulk-progress")
        expect(progress).to_have_attribute("data-state", "done", timeout=30_000)
    expect(page.locator("progress.bulk-progress")).to_have_attribute("value", str(moving))
    expect(page.locator(".job-count")).to_have_text(f"{moving} of {moving}")
    screenshot(page, "bulk-done")
    acted = processed(sim)
    assert set(acted) <= set(selected) and len(acted) == moving and set(acted.values()) == {1}

    truth = Counter(c.get("assigneeId") for c in sim.open_queue())
    page.goto(f"{dashboard.url}/team/")
    for user in chosen:
        row = page.locator(f'tr.team-row[data-assignee="{user["id"]}"] a.count').first
        expect(row).to_have_text(str(truth[user["id"]]), timeout=15_000)
    screenshot(page, "bulk-team-after")
