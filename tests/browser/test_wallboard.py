"""In real Chromium at TV size: a kiosk link's board follows the queue, survives an outage
of Flownally and recovers by itself, and shows a plain page once revoked."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from dashboard.accounts.roles import SUPERVISOR, VIEWER
from dashboard.simulator.server import start_in_thread
from dashboard.simulator.simulator import Simulator
from dashboard.wallboard.models import KioskLink
from tests.support.browser import screenshot
from tests.support.simulator import CONVERSATIONS

pytestmark = pytest.mark.browser


@pytest.fixture
def upstream(dashboard, settings):
    """A simulator of this test's own, so that it can be stopped and started again."""

    class Upstream:
        def start(self, port: int = 0) -> None:
            simulator = Simulator(conversations=CONVERSATIONS, frozen=True, traffic_per_minute=0)
            self.server, settings.FLOWNALLY_API_URL = start_in_thread(simulator, port=port)
            self.port = self.server.server_address[1]
            self.simulator = simulator

        def stop(self) -> None:
            # Kept-alive connections outlive the listener: drop them too, as a dead host would.
            self.simulator.faults.add({"kind": "disconnect"})
            self.server.shutdown()
            self.server.server_close()

        def quiet_conversation(self) -> str:
            """An open conversation in which nobody is waiting for the team."""
            backend = self.simulator.backend
            return next(
                c.id
                for c in backend.conversations.values()
                if c.status == "open" and c.waiting_ms is None
            )

    running = Upstream()
    running.start()
    yield running
    running.stop()


def test_a_kiosk_screen_follows_the_queue_through_an_outage(page, dashboard, upstream, settings):
    settings.WALLBOARD_REFRESH_SECONDS = settings.OPEN_QUEUE_REFRESH_SECONDS = 1
    # Recovery waits out the circuit's cool-off (10 s by default) before probing.
    settings.FLOWNALLY_CIRCUIT_OPEN_SECONDS = 1
    link, token = KioskLink.create("Support room TV", None)
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.goto(f"{dashboard.url}/wallboard/k/{token}/")
    waiting = page.locator('[data-metric="waiting"]')
    expect(waiting).to_have_text(re.compile(r"^\d+$"))
    before = int(waiting.inner_text())
    expect(page.locator(".updated")).to_contain_text(re.compile(r"Updated \d+ s ago"))
    page.evaluate("window.__notReloaded = true")

    # A customer writes in a quiet conversation: one more waiting, on a later refresh.
    upstream.simulator.backend.inbound(
        {"conversationId": upstream.quiet_conversation(), "text": "Hello? Anyone there?"}
    )
    expect(waiting).to_have_text(str(before + 1), timeout=15_000)
    assert page.evaluate("window.__notReloaded") is True
    screenshot(page, "wallboard-1080p")

    # Flownally goes away: the numbers stay, marked stale with their age.
    port = upstream.port
    upstream.stop()
    banner = page.locator(".stale-banner:not([hidden])")
    expect(banner).to_contain_text("Flownally is not answering", timeout=15_000)
    expect(page.locator("#board")).to_have_class(re.compile("is-stale"))
    expect(waiting).to_have_text(str(before + 1))
    screenshot(page, "wallboard-stale")

    # It comes back (a fresh tenant, without that message): the board catches up by itself.
    upstream.start(port)
    expect(page.locator("#board")).not_to_have_class(re.compile("is-stale"), timeout=15_000)
    expect(waiting).to_have_text(str(before), timeout=15_000)
    assert page.evaluate("window.__notReloaded") is True

    # A supervisor revokes the link: the screen reloads into a plain page.
    link.revoke(None)
    expect(page.locator("h1")).to_have_text("This link was revoked", timeout=15_000)
    expect(page.locator("body")).not_to_contain_text("Traceback")
    screenshot(page, "wallboard-revoked")


def test_a_viewer_opens_the_wallboard_from_the_dashboard(sign_in, upstream, settings):
    page = sign_in(VIEWER)
    page.get_by_role("link", name="Wallboard").click()
    expect(page.locator("h1")).to_have_text("Queue health")
    expect(page.locator('[data-metric="open"]')).to_have_text(re.compile(r"^\d+$"))
    page.set_viewport_size({"width": 1366, "height": 768})  # a laptop: still no scrolling
    screenshot(page, "wallboard-laptop")
    sizes = page.evaluate("[document.documentElement.scrollHeight, window.innerHeight]")
    assert sizes[0] <= sizes[1] + 1, sizes


def test_a_supervisor_creates_a_kiosk_link_and_it_opens_the_board(sign_in, upstream, dashboard):
    page = sign_in(SUPERVISOR)
    page.locator(".nav summary", has_text="More").click()
    page.get_by_role("link", name="Kiosk links").click()
    page.fill("input[name=name]", "Support room TV")
    page.get_by_role("button", name="Create link").click()
    link = page.locator("input.kiosk-url")
    expect(link).to_have_value(re.compile(r"/wallboard/k/[A-Za-z0-9_-]{40,}/$"))
    screenshot(page, "kiosk-links")
    url = link.input_value()
    page.context.clear_cookies()  # a TV has no session
    page.goto(url)
    expect(page.locator('[data-metric="open"]')).to_have_text(re.compile(r"^\d+$"))
