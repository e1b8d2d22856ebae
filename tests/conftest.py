"""Shared fixtures: a real simulator on a loopback port, reached over HTTP like Flownally;
the dashboard pointed at it; accounts with a role. Helpers live in tests/support/."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from dashboard.simulator.server import SimServer, start_in_thread
from dashboard.simulator.simulator import Simulator
from tests.support.accounts import PASSWORD, username_for
from tests.support.simulator import (
    CONVERSATIONS,
    TOKEN,
    SimHandle,
    quiet_about_clients_that_left,
)
from tests.support.upstream import DRAIN_LIMIT_S, Upstream


@pytest.fixture(scope="session")
def _simulator_server() -> Iterator[tuple[Simulator, SimServer, str]]:
    simulator = Simulator(conversations=CONVERSATIONS, frozen=True, traffic_per_minute=0)
    server, base_url = start_in_thread(simulator)
    quiet_about_clients_that_left(server)
    yield simulator, server, base_url
    server.shutdown()
    server.server_close()


@pytest.fixture
def sim(_simulator_server: tuple[Simulator, SimServer, str], monkeypatch) -> Iterator[SimHandle]:
    """A freshly seeded tenant (seed 7, frozen clock, no background traffic) per test.

    Afterwards it waits until every API request the test started has finished in the
    simulator: a timeout or latency fault may still hold one the client gave up on, which
    would otherwise land in the next test's request log. (Quietly, and at most
    DRAIN_LIMIT_S: this is tidying, not a check.)"""
    simulator, server, base_url = _simulator_server
    with requests.Session() as session:
        handle = SimHandle(simulator, server, base_url, session)
        handle.reset()
        started = Upstream(handle, monkeypatch)
        yield handle
        started.settle(DRAIN_LIMIT_S)


@pytest.fixture
def upstream(sim: SimHandle, monkeypatch) -> Upstream:
    """The API requests the simulator serves from now on, in this test."""
    return Upstream(sim, monkeypatch)


@pytest.fixture
def flownally(sim: SimHandle, settings) -> SimHandle:
    """The dashboard pointed at a fresh simulator."""
    settings.FLOWNALLY_API_URL = sim.base_url
    settings.FLOWNALLY_API_TOKEN = TOKEN
    return sim


@pytest.fixture
def no_cache(settings) -> None:
    """Every read of the dashboard's client reaches the simulator."""
    settings.FLOWNALLY_CACHE_TTL_LIST = 0
    settings.FLOWNALLY_CACHE_TTL_CONVERSATION = 0
    settings.FLOWNALLY_CACHE_TTL_MESSAGES = 0
    settings.FLOWNALLY_CACHE_TTL_DIRECTORY = 0


@pytest.fixture(autouse=True)
def _fresh_cache(settings) -> Iterator[None]:
    """Each test starts with an empty cache and short retry waits (the waits' length is
    not what tests check; that retries happen is)."""
    from django.core.cache import cache

    settings.FLOWNALLY_RETRY_BASE = 0.01
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _no_refresher_left_running() -> Iterator[None]:
    """The open-queue refresher is a thread: one test's walks must not reach the next."""
    from dashboard.openqueue import refresher

    yield
    refresher.stop()


@pytest.fixture(autouse=True)
def _no_request_budget(settings) -> None:
    """No Flownally request budget (production's default is 200/s) unless a test sets one
    (tests/flownally/test_request_budget.py): the simulator here answers at once, and a
    test that bursts past a second's share would wait for the next second."""
    settings.FLOWNALLY_MAX_RPS = 0


@pytest.fixture(autouse=True)
def _no_news_feed(settings) -> Iterator[None]:
    """The change feed (conversations/news.py) is a thread reading Flownally's list: off
    unless a test turns it on (tests/conversations/test_news.py), so that the other tests
    count only their own requests and see the short TTLs they assert; stopped after."""
    from dashboard.conversations import news

    settings.NEWS_FEED_SECONDS = 0
    yield
    news.stop()


@pytest.fixture(autouse=True)
def _no_trends_kept(settings) -> None:
    """The refresher keeps a minute of trends after each walk: a database write from its
    thread, which would wait on the test's own transaction (SQLite's lock). Off unless a
    test turns it on (tests/trends/)."""
    from dashboard.trends import series

    settings.TRENDS_KEEP_MINUTES = False
    series.forget_process_state()  # the wallboard's copy of the last hours, kept a minute


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:
    """Tests create users; the production hasher's deliberate slowness buys nothing here."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def make_user(db):
    """A new account with `role` (None: no role), named after the role unless `username` is
    given; `extra` goes to create_user (is_staff=True, say)."""

    def make(role: str | None, username: str | None = None, **extra):
        user = get_user_model().objects.create_user(
            username or username_for(role), password=PASSWORD, **extra
        )
        if role:
            user.groups.add(Group.objects.get(name=role))
        return user

    return make


@pytest.fixture
def client_as(client, make_user):
    """Sign the test client in as a new account with `role` (None: no role); `extra` goes to
    `make_user`."""

    def sign_in(role: str | None, **extra):
        client.force_login(make_user(role, **extra))
        return client

    return sign_in


def pytest_report_header(config: pytest.Config) -> str:
    from django.conf import settings

    return f"backends: database {settings.DATABASES['default']['ENGINE']}, cache {settings.CACHES['default']['BACKEND']}"
