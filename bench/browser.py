"""How long a delivery state change at Flownally takes to show in a real browser.

Chromium (Debian's, driven by Playwright) signs in and opens a conversation page. Then,
per sample: wait a random part of a poll interval (so changes land at every phase of the
poll timer), force the next delivery state of an outbound message at the simulator, and
time until the page shows it. The wait for the DOM polls on animation frames, so each
sample can read up to one frame (about 17 ms) long.
"""

from __future__ import annotations

import random
import time
from pathlib import Path

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


def unavailable() -> str:
    """Why the browser part cannot run here, or "" when it can."""
    if not Path(CHROMIUM).exists():
        return f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright is not installed (pip install -e '.[dev]')"
    return ""


def delivery_latencies(
    base: str,
    username: str,
    password: str,
    sim: Sim,
    conversation_id: str,
    message_id: str,
    *,
    samples: int,
    poll_seconds: float,
    seed: int = 7,
) -> list[float]:
    """Milliseconds from each forced change at the simulator to the page showing it."""
    from playwright.sync_api import sync_playwright

    rng = random.Random(seed)
    measured = []
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
            shown = page.locator(f"#m-{message_id} .delivery").get_attribute("class") or ""
            states = [s for s in DELIVERY_STATES if s not in shown.split()] + [
                s for s in DELIVERY_STATES if s in shown.split()
            ]
            for n in range(samples):
                state = states[n % len(states)]
                time.sleep(rng.uniform(0, poll_seconds))
                started = time.perf_counter()
                sim.force_delivery(message_id, state)
                page.wait_for_function(
                    "selector => document.querySelector(selector) !== null",
                    arg=f"#m-{message_id} .delivery.{state}",
                    polling="raf",
                    timeout=(poll_seconds + 10) * 1000,
                )
                measured.append((time.perf_counter() - started) * 1000)
        finally:
            browser.close()
    return measured
