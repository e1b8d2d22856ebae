"""In real Chromium, as each role: axe-core finds nothing serious or critical on any page
the role reaches, nor on the pages that refuse it, the 404, the sign-in and an empty list."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from dashboard.accounts.roles import SUPERVISOR, TEAM_LEAD, VIEWER
from dashboard.simulator.seed import REFERENCE_CONVERSATION_ID
from dashboard.wallboard.models import KioskLink
from tests.support.axe import describe, severe_violations
from tests.support.browser import screenshot

pytestmark = pytest.mark.browser

EVERYONE = {
    "list": "/",
    "conversation": "/conversations/{conversation}/",
    "team": "/team/",
    "failed deliveries": "/failed/",
    "alerts": "/alerts/",
    "wallboard": "/wallboard/",
    "trends": "/trends/",
    "empty list": "/?q=nobody-is-called-this",
    "404": "/conversations/no-such-conversation/",
}
PAGES = {
    # A Viewer and a Team lead are refused the supervisor's pages: the 403 is theirs.
    VIEWER: {**EVERYONE, "403": "/audit/"},
    TEAM_LEAD: {**EVERYONE, "403": "/messages/new/"},
    SUPERVISOR: {
        **EVERYONE,
        "new message": "/messages/new/",
        "audit log": "/audit/",
        "people": "/people/",
        "kiosk links": "/wallboard/links/",
    },
}
STATUS = {"404": 404, "403": 403, "kiosk refused": 404}


def _findings(
    page, base: str, pages: dict[str, str], conversation: str, down: bool = False, shots: str = ""
) -> dict[str, list]:
    found = {}
    for name, path in pages.items():
        answer = page.goto(base + path.format(conversation=conversation))
        # A page that failed to render is not a page that passed. While Flownally is down a
        # page may say so with a 502 or 503, never with our own crash (500).
        expected = {STATUS.get(name, 200)} if not down else {200, 404, 502, 503}
        assert answer.status in expected, (name, answer.status)
        found[name] = severe_violations(page)
        if shots:
            screenshot(page, f"a11y-{shots}-{name.replace(' ', '-')}")
    return found


def _report(found: dict[str, list]) -> str:
    counts = ", ".join(f"{name}: {sum(len(r['nodes']) for r in v)}" for name, v in found.items())
    details = "\n".join(f"[{name}]\n{describe(v)}" for name, v in found.items() if v)
    return f"serious/critical findings (elements) per page: {counts}\n{details}"


@pytest.mark.parametrize("role", [VIEWER, TEAM_LEAD, SUPERVISOR])
def test_no_serious_findings_on_any_page_a_role_sees(role, sign_in, sim, dashboard):
    conversation = sim.open_queue()[0]["id"]
    page = sign_in(role)
    shots = "supervisor" if role == SUPERVISOR else ""
    found = _findings(page, dashboard.url, PAGES[role], conversation, shots=shots)
    assert not any(found.values()), _report(found)


def test_no_serious_findings_while_flownally_is_down(sign_in, sim, dashboard, no_cache):
    conversation = sim.open_queue()[0]["id"]
    page = sign_in(SUPERVISOR)
    sim.add_fault(kind="error", status=502, path="^/v1/")  # every read: the error and stale states
    found = _findings(page, dashboard.url, EVERYONE, conversation, down=True, shots="down")
    sim.control("DELETE", "faults")
    assert not any(found.values()), _report(found)


def test_no_serious_findings_on_the_pages_seen_signed_out(page, dashboard):
    owner = get_user_model().objects.create_user("owner")
    _, token = KioskLink.create("Lobby TV", owner)
    pages = {
        "sign in": "/accounts/login/",
        "admin sign in": "/admin/login/",
        "kiosk": f"/wallboard/k/{token}/",
        "kiosk refused": "/wallboard/k/no-such-link/",
    }
    found = _findings(page, dashboard.url, pages, "", shots="anonymous")
    assert not any(found.values()), _report(found)


def test_the_first_tab_reaches_skip_to_content_in_the_designed_focus_ring(sign_in, dashboard):
    page = sign_in(VIEWER)
    page.goto(f"{dashboard.url}/")  # loaded: a Tab pressed mid-navigation would be lost
    page.keyboard.press("Tab")
    focused = page.locator(":focus")
    expect(focused).to_have_text("Skip to content")
    ring = focused.evaluate(
        "e => { const s = getComputedStyle(e); return [s.outlineStyle, s.outlineWidth, s.outlineColor] }"
    )
    assert ring == ["solid", "3px", "rgb(42, 99, 214)"]  # the accent, not Chromium's default
    screenshot(page, "a11y-skip-link-focused")

    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('main') !== null")


def test_a_wait_says_its_level_in_words_not_only_in_colour(sign_in, dashboard):
    page = sign_in(VIEWER)
    page.goto(f"{dashboard.url}/?sort=lastMessageAt:desc")  # short and long waits mixed
    words = {"ok": "", "warn": "long", "alert": "urgent"}
    seen = set()
    for pill in page.locator("table.conversations .wait").all():
        level = next(c for c in pill.get_attribute("class").split() if c in words)
        word = pill.locator(".wait-word")
        if words[level]:
            expect(word).to_have_text(words[level])
        else:
            expect(word).to_have_count(0)
        seen.add(level)
    assert {"ok", "warn"} <= seen, seen  # the seeded queue has both
    screenshot(page, "a11y-list-wait-words")


def test_polling_says_a_new_message_and_a_failed_delivery_once_and_an_unchanged_poll_nothing(
    sign_in, sim, dashboard
):
    sim.control("POST", "config", {"failRate": 1, "readRate": 0})  # every send fails
    page = sign_in(VIEWER)
    page.goto(f"{dashboard.url}/conversations/{REFERENCE_CONVERSATION_ID}/")
    page.evaluate(WHAT_IS_SAID)
    said = page.locator("#announcer")

    def polls(count: int) -> None:
        for _ in range(count):
            with page.expect_response(lambda answer: "/timeline/" in answer.url):
                pass

    polls(2)  # nothing new: nothing said
    assert page.evaluate("window.__said") == []

    sim.control(
        "POST", "inbound", {"conversationId": REFERENCE_CONVERSATION_ID, "text": "Is it there yet?"}
    )
    expect(said).to_have_text(re.compile(r"^New message from .+: Is it there yet\?$"))
    sim.api(
        "POST",
        f"/conversations/{REFERENCE_CONVERSATION_ID}/messages",
        json={"content": {"type": "text", "text": {"body": "It left the warehouse"}}},
    )
    expect(said).to_have_text(re.compile(r"^New message from .+: It left the warehouse$"))
    sim.advance(4)
    expect(said).to_have_text(re.compile(r"^Not delivered: .+"))
    polls(2)  # and the polls after it say nothing again
    assert len(page.evaluate("window.__said")) == 3
    screenshot(page, "a11y-conversation-failed-delivery")


def test_the_team_page_s_refresh_reads_nothing_out_while_nothing_changes_but_a_selection(
    sign_in, dashboard, settings
):
    settings.OPEN_QUEUE_REFRESH_SECONDS = 1  # the page refreshes as often as the queue is read
    page = sign_in(TEAM_LEAD)
    page.goto(f"{dashboard.url}/team/")
    expect(page.locator(".index-age")).to_contain_text("As of")  # the open queue is read
    page.evaluate(WHAT_IS_SAID)
    for _ in range(2):  # two refreshes, each redrawing the table and its age
        with page.expect_response(lambda answer: answer.url == f"{dashboard.url}/team/"):
            pass
    expect(page.locator(".index-age")).to_contain_text("As of")
    assert page.evaluate("window.__said") == []

    page.locator("input[data-select]").first.check()  # what the user changes is said
    expect(page.locator("#announcer")).to_have_text("1 selected")


def test_the_wallboard_reads_out_an_outage_once_and_its_unchanged_refreshes_never(
    sign_in, sim, dashboard, settings
):
    settings.WALLBOARD_REFRESH_SECONDS = settings.OPEN_QUEUE_REFRESH_SECONDS = 1
    page = sign_in(VIEWER)
    page.goto(f"{dashboard.url}/wallboard/")
    page.evaluate(WHAT_IS_SAID)

    def refreshes(count: int) -> None:
        for _ in range(count):
            with page.expect_response(lambda answer: "/wallboard/refresh/" in answer.url):
                pass

    refreshes(2)  # "Updated N s ago" counts on, the numbers are the same: nothing said
    assert page.evaluate("window.__said") == []

    sim.add_fault(kind="error", status=502, path="^/v1/")
    expect(page.locator("#announcer")).to_contain_text("Flownally is not answering")
    refreshes(3)  # still down, the banner's age counting: said once only
    said = page.evaluate("window.__said")
    sim.control("DELETE", "faults")
    assert len(said) == 1, said


# Every sentence any live region says: its text each time it is set or inserted with text
# (a region redrawn by a refresh would be read again).
WHAT_IS_SAID = """() => {
  window.__said = [];
  const live = "[role=status], [role=alert], [role=log], [aria-live]:not([aria-live=off])";
  new MutationObserver((records) => {
    for (const record of records) {
      const node = record.target.nodeType === 1 ? record.target : record.target.parentElement;
      const regions = new Set();
      if (node && node.closest(live)) regions.add(node.closest(live));
      record.addedNodes.forEach((added) => {
        if (added.nodeType !== 1) return;
        if (added.matches(live)) regions.add(added);
        added.querySelectorAll(live).forEach((inner) => regions.add(inner));
      });
      regions.forEach((region) => {
        // Not read out: a region turned off, or hidden.
        if (region.getAttribute("aria-live") === "off" || region.closest("[hidden]")) return;
        const text = region.textContent.trim();
        if (text) window.__said.push(text);
      });
    }
  }).observe(document.body, {childList: true, characterData: true, subtree: true});
}"""
