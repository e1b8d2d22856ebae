"""Redis killed and hung under a live server: every page, poll, wallboard and kiosk screen
still answers (from the database and Flownally, slower), none with a 500; Redis restarted
on the same port is used again without restarting the dashboard. A real redis-server of
the test's own, SIGKILLed and SIGSTOPped."""

from __future__ import annotations

import time

import pytest
import requests
from django.conf import settings as django_settings

from dashboard.accounts.roles import SUPERVISOR, ensure_roles
from dashboard.core import cache_health
from dashboard.simulator.seed import REFERENCE_CONVERSATION_ID
from dashboard.wallboard.models import KioskLink
from tests.support.waiting import until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]
ONE = f"/conversations/{REFERENCE_CONVERSATION_ID}/"
HTMX = {"HX-Request": "true"}
NOTICE = "Shared cache unreachable: pages may be slower."


@pytest.fixture
def screens(live_server, flownally, redis_cache, client, make_user):
    """Every kind of screen a supervisor and a wall TV keep open, as (path, headers)."""
    ensure_roles()  # a transactional test starts from a flushed database
    client.force_login(make_user(SUPERVISOR))
    _, token = KioskLink.create("TV", None)
    session = requests.Session()
    session.cookies.set(django_settings.SESSION_COOKIE_NAME, client.cookies["sessionid"].value)
    return session, live_server.url, [
        ("/", {}),
        ("/", HTMX),  # the list's refresh
        ("/?q=a", {}),  # a filter: the open-queue index
        (ONE, {}),
        (f"{ONE}timeline/", HTMX),  # the timeline poll
        ("/team/", {}),
        ("/wallboard/", {}),
        ("/wallboard/refresh/", HTMX),
        (f"/wallboard/k/{token}/", {}),
        (f"/wallboard/k/{token}/refresh/", HTMX),
    ]  # fmt: skip


def visit(session, base, pages) -> list[tuple[str, int, float]]:
    """(path, status, seconds) for each page, signed in (a redirect to sign-in fails)."""
    answers = []
    for path, headers in pages:
        started = time.monotonic()
        response = session.get(base + path, headers=headers, timeout=30, allow_redirects=False)
        answers.append((path, response.status_code, time.monotonic() - started))
    return answers


def statuses(answers) -> list[int]:
    return [status for _, status, _ in answers]


def test_redis_killed_then_restarted_no_page_fails_and_redis_is_used_again(screens, redis_cache):
    session, base, pages = screens
    assert statuses(visit(session, base, pages)) == [200] * len(pages)  # the index is in Redis

    redis_cache.kill()
    for _ in range(3):  # within and past the retry interval
        answers = visit(session, base, pages)
        assert statuses(answers) == [200] * len(pages), answers
    assert requests.get(f"{base}/healthz", timeout=5).status_code == 200
    ready = requests.get(f"{base}/readyz", timeout=5)
    # Still ready: every instance shares this Redis, so taking one out would help nobody.
    assert (ready.status_code, ready.json()["status"]) == (200, "degraded")
    assert ready.json()["cache"]["status"] == "down"
    assert NOTICE in session.get(f"{base}/", timeout=30).text

    redis_cache.start()  # the same port, empty
    until(lambda: cache_health.status()[0] == "ok", 10, "the dashboard did not use Redis again")
    assert statuses(visit(session, base, pages)) == [200] * len(pages)
    assert NOTICE not in session.get(f"{base}/", timeout=30).text
    assert requests.get(f"{base}/readyz", timeout=5).json()["status"] == "ready"
    # The session, the signed-in user and the index are kept in Redis again.
    assert redis_cache.keys() > 3


def test_redis_hung_every_page_answers_within_two_seconds(screens, redis_cache):
    session, base, pages = screens
    assert statuses(visit(session, base, pages)) == [200] * len(pages)

    redis_cache.hang()
    for _ in range(2):
        answers = visit(session, base, pages)
        assert statuses(answers) == [200] * len(pages), answers
        slowest = max(answers, key=lambda answer: answer[2])
        assert slowest[2] < 2, slowest
    started = time.monotonic()
    assert requests.get(f"{base}/healthz", timeout=5).status_code == 200
    assert time.monotonic() - started < 2
    redis_cache.resume()
