"""How long news from Flownally takes to show in a real browser (issue 14's last goals).

Chromium (Debian's, driven by Playwright) signs in and opens a conversation page with
nothing in flight. Two kinds of news, each sample after a random part of a poll interval
(so that news lands at every phase of the poll timer):

- the customer writes (POST /_sim/inbound), while nothing is in flight: the case in which
  polls may slow down; timed until the text is on the page;
- a delivery change of a reply of ours while it is in flight: a reply is sent through the
  page's own form (so the dashboard knows it as its own), then moved to sent, delivered
  and read at the simulator (three samples per reply; its clock is frozen, so nothing else
  moves it); timed until the page shows the state.

The waits poll the DOM on animation frames, so each sample can read up to one frame
(about 17 ms) long.
"""

from __future__ import annotations

import random
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.tenant import DELIVERY_STATES, Sim

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
_OURS = "#timeline li.message.from-user"
IN_FLIGHT_BUDGET_MS = 1300  # issue 14: a reply's delivery change while in flight, p95


@dataclass
class Seen:
    """Milliseconds from each change at the simulator to the page showing it."""

    customer_ms: list[float] = field(default_factory=list)
    delivery_ms: list[float] = field(default_factory=list)


def unavailable() -> str:
    """Why the browser part cannot run here, or "" when it can."""
    if not Path(CHROMIUM).exists():
        return f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright is not installed (pip install -e '.[dev]')"
    return ""


def news_latencies(
    base: str,
    username: str,
    password: str,
    sim: Sim,
    conversation_id: str,
    *,
    samples: int,
    poll_seconds: float,
    seen: Seen,
    seed: int = 7,
) -> None:
    """`samples` customer messages, then `samples` delivery changes of replies in flight,
    into `seen` (so that the samples taken survive a failure)."""
    from playwright.sync_api import sync_playwright

    rng = random.Random(seed)
    timeout_ms = (poll_seconds + 10) * 1000
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            page = browser.new_page()
            page.goto(f"{base}/accounts/login/")
            page.fill("input[name=username]", username)
            page.fill("input[name=password]", password)
            page.click("button[type=submit]")
            page.wait_for_url(f"{base}/")
            page.goto(f"{base}/conversations/{conversation_id}/")

            def shown(script: str, arg: str) -> None:
                try:
                    page.wait_for_function(script, arg=arg, polling="raf", timeout=timeout_ms)
                except Exception as error:
                    raise RuntimeError(f"{arg!r} never showed; {_timeline_state(page)}") from error

            for _ in range(samples):
                text = f"bench customer {secrets.token_hex(4)}"
                time.sleep(rng.uniform(0, poll_seconds))
                started = time.perf_counter()
                sim.customer_writes(conversation_id, text)
                shown(
                    "text => (document.getElementById('timeline')?.textContent || '')"
                    ".includes(text)",
                    text,
                )
                seen.customer_ms.append((time.perf_counter() - started) * 1000)

            while len(seen.delivery_ms) < samples:
                message_id = _reply(page, timeout_ms)
                for state in DELIVERY_STATES[: samples - len(seen.delivery_ms)]:
                    time.sleep(rng.uniform(0, poll_seconds))
                    started = time.perf_counter()
                    sim.force_delivery(message_id, state)
                    shown(
                        "selector => document.querySelector(selector) !== null",
                        f"#m-{message_id} .delivery.{state}",
                    )
                    seen.delivery_ms.append((time.perf_counter() - started) * 1000)
        finally:
            browser.close()


def _reply(page: Any, timeout_ms: float) -> str:
    """Send a text reply through the page's form; the new message's ID once it shows."""
    before = page.eval_on_selector_all(_OURS, "items => items.map(item => item.id)")
    page.fill("form.reply textarea[name=body]", f"bench reply {secrets.token_hex(4)}")
    page.click("form.reply button[type=submit]")
    try:
        handle = page.wait_for_function(
            """([selector, before]) => {
                const found = [...document.querySelectorAll(selector)].find(
                    item => !before.includes(item.id));
                return found ? found.id : null;
            }""",
            arg=[_OURS, before],
            polling="raf",
            timeout=timeout_ms,
        )
    except Exception as error:
        problem = page.evaluate(
            "() => [...document.querySelectorAll('#actions .error, #actions .ok')]"
            ".map(e => e.textContent.trim()).filter(Boolean).join(' / ')"
        )
        raise RuntimeError(
            f"the reply never showed; the form said: {problem or 'nothing'}; "
            + _timeline_state(page)
        ) from error
    return str(handle.json_value()).removeprefix("m-")


def _timeline_state(page: Any) -> str:
    """What the page's timeline shows now, for a sample that timed out."""
    return page.evaluate(
        """() => {
            const timeline = document.getElementById("timeline");
            if (!timeline) return "no #timeline on the page";
            const stale = timeline.querySelector(".stale");
            return `its poll ${timeline.getAttribute("hx-get")}, `
                + `trigger "${timeline.getAttribute("hx-trigger")}"`
                + (stale ? `, notice: ${stale.textContent}` : ", no stale notice");
        }"""
    )
