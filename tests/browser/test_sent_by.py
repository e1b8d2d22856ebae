"""In real Chromium: who is who. A reply shows the account that sent it, on the sender's
page and, through the poll, on a team lead's, whose own team member is "Me" in the menu."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from dashboard.accounts.models import Member
from dashboard.accounts.roles import SUPERVISOR, TEAM_LEAD
from dashboard.simulator.seed import REFERENCE_CONVERSATION_ID, user_id
from tests.support.accounts import PASSWORD
from tests.support.browser import screenshot

pytestmark = pytest.mark.browser
ANNA = f"/conversations/{REFERENCE_CONVERSATION_ID}/"


def test_a_reply_shows_who_sent_it_to_everyone_watching(sign_in, sim, dashboard, browser):
    sim.control("POST", "config", {"failRate": 0, "readRate": 0})
    lead = get_user_model().objects.create_user("lead", password=PASSWORD)
    lead.groups.add(Group.objects.get(name=TEAM_LEAD))
    Member.objects.create(user=lead, flownally_user_id=user_id(7, "Ola Kozłowska"))
    with browser.new_context() as theirs:
        watching = theirs.new_page()
        watching.goto(f"{dashboard.url}/accounts/login/")
        watching.fill("input[name=username]", "lead")
        watching.fill("input[name=password]", PASSWORD)
        watching.click("button[type=submit]")
        watching.goto(dashboard.url + ANNA)
        menu = watching.locator("select[name=user_id] option")
        expect(menu.first).to_have_text("Me (Ola Kozłowska)")

        page = sign_in(SUPERVISOR)
        page.goto(dashboard.url + ANNA)
        page.fill("textarea[name=body]", "I have asked the courier; you will hear today.")
        page.click("form.reply button[type=submit]")
        expect(page.locator("#actions")).to_contain_text("Message sent.")
        mine = page.locator("#timeline li.message", has_text="I have asked the courier")
        expect(mine).to_have_count(1)
        expect(mine.locator(".meta")).to_contain_text("supervisor, via the dashboard")
        # The lead's page learns it from its poll, with the same label.
        seen = watching.locator("#timeline li.message", has_text="I have asked the courier")
        expect(seen.locator(".meta")).to_contain_text("supervisor, via the dashboard")

        # Sent with the same token from elsewhere: Flownally's label stays.
        sim.api(
            "POST",
            f"/conversations/{REFERENCE_CONVERSATION_ID}/messages",
            json={"content": {"type": "text", "text": {"body": "Sent from the Flownally app"}}},
        )
        sim.advance(4)
        other = page.locator("#timeline li.message", has_text="Sent from the Flownally app")
        expect(other.locator(".meta")).to_contain_text("Marta Zielińska")
        expect(mine.locator(".meta")).to_contain_text("Delivered")
        title = mine.locator(".sent-by").get_attribute("title") or ""
        assert title.startswith("Flownally shows Marta Zielińska")
        page.locator("#timeline").scroll_into_view_if_needed()
        screenshot(page, "sent-by")
        screenshot(watching, "sent-by-lead")


def test_a_supervisor_links_an_account_on_the_people_page(sign_in, sim, dashboard):
    get_user_model().objects.create_user("ola", password=PASSWORD).groups.add(
        Group.objects.get(name=TEAM_LEAD)
    )
    page = sign_in(SUPERVISOR)
    page.goto(f"{dashboard.url}/people/")
    row = page.locator("tr", has_text="Link ola")
    row.locator("select[name=flownally_user_id]").select_option(label="Ola Kozłowska")
    row.get_by_role("button", name="Link ola").click()
    expect(page.locator(".flash")).to_contain_text("ola: linked to Ola Kozłowska (usr_")
    expect(
        page.locator("tr", has_text="Link ola").locator("select[name=flownally_user_id]")
    ).to_have_value(user_id(7, "Ola Kozłowska"))
    screenshot(page, "people-linked")
