"""In real Chromium: the wallboard's trends at TV size and the trends page, with a week and
a day of history kept, axe-clean, no script and no style attribute needed to draw them."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from dashboard.accounts.roles import VIEWER
from dashboard.trends import seed
from dashboard.wallboard.models import KioskLink
from tests.support.axe import describe, severe_violations
from tests.support.browser import screenshot

pytestmark = pytest.mark.browser
# Where a reviewer wants to look at the pages too (TRENDS_SHOTS=/tmp/shots).
SHOTS = os.environ.get("TRENDS_SHOTS", "")


@pytest.fixture
def history(dashboard):
    members = {"usr_a": "Ada Kowalska", "usr_b": "Bartek Nowak", "usr_c": "<b>Cezary</b>"}
    shares = seed.shares_of({"usr_a": 5, "usr_b": 3}, list(members))
    # A gap of an hour that nobody watched, two hours ago.
    seed.seed(timezone.now() - timezone.timedelta(hours=3), 8, 40, shares, members)
    seed.seed(timezone.now(), 0, 40, shares, members)
    now = timezone.now()
    for minutes in range(1, 120):
        seed.Minute.objects.bulk_create(
            [seed.minute(now - timezone.timedelta(minutes=minutes), 40, shares, members)],
            ignore_conflicts=True,
        )
    return members


def _keep(page, name: str) -> None:
    screenshot(page, name)
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=False)


def test_a_kiosk_board_shows_each_number_with_its_trend(page, dashboard, history):
    _link, token = KioskLink.create("Hall TV", None)
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.goto(f"{dashboard.url}/wallboard/k/{token}/")
    expect(page.locator("[data-change]")).to_have_count(6)
    expect(page.locator(".tile svg.spark").first).to_be_visible()
    # A line of many points (at night the made-up history is flat: a polyline of no height,
    # which Playwright calls hidden though its stroke shows).
    expect(page.locator(".tile svg.spark polyline").first).to_have_attribute(
        "points", re.compile(r"^(\S+,\S+ ){20,}")
    )
    _keep(page, "trends-wallboard-1920x1080")
    sizes = page.evaluate("[document.documentElement.scrollHeight, window.innerHeight]")
    assert sizes[0] <= sizes[1] + 1, sizes  # still no scrolling (as test_wallboard allows)
    assert severe_violations(page) == [], describe(severe_violations(page))


def test_the_trends_page_charts_today_against_last_week(sign_in, history):
    page = sign_in(VIEWER)
    page.set_viewport_size({"width": 1366, "height": 900})
    page.get_by_role("link", name="Trends").first.click()
    expect(page.get_by_role("heading", name="Trends", level=1)).to_be_visible()
    expect(page.get_by_text("Includes seeded demo history")).to_be_visible()
    expect(page.locator("svg.chart[role=img]")).to_have_count(6 + 3)
    expect(page.get_by_role("img", name="Waiting").first).to_be_visible()
    assert "<b>Cezary</b>" in page.get_by_role("heading", level=3).all_inner_texts()
    assert severe_violations(page) == [], describe(severe_violations(page))
    _keep(page, "trends-page")
    page.get_by_text("Waiting per hour (peak)").click()
    expect(page.get_by_role("row").filter(has_text="10:00").first).to_be_visible()
    page.get_by_role("link", name=re.compile("^← ")).click()
    expect(page).to_have_url(re.compile(r"\?day=\d{4}-\d{2}-\d{2}$"))
