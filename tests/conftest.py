"""Shared fixtures: a real simulator on a loopback port, reached over HTTP like Flownally."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import requests
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from dashboard.simulator.server import SimServer, start_in_thread
from dashboard.simulator.simulator import Simulator

TOKEN = "sim-token"
READ_ONLY_TOKEN = "sim-readonly-token"
CONVERSATIONS = 200


@dataclass
class SimHandle:
    """A running simulator: its API base URL (…/v1), its root, and a pooled HTTP session."""

    simulator: Simulator
    server: SimServer
    base_url: str
    session: requests.Session

    @property
    def root(self) -> str:
        return self.base_url.removesuffix("/v1")

    def api(self, method: str, path: str, token: str | None = TOKEN, **kwargs) -> requests.Response:
        headers = kwargs.pop("headers", {})
        if token is not None:
            headers.setdefault("Authorization", f"Bearer {token}")
        return self.session.request(
            method, self.base_url + path, headers=headers, timeout=10, **kwargs
        )

    def control(self, method: str, path: str, body: dict | None = None) -> dict:
        response = self.session.request(method, f"{self.root}/_sim/{path}", json=body, timeout=10)
        assert response.status_code < 300, response.text
        return response.json()

    def advance(self, seconds: float) -> None:
        self.control("POST", "clock", {"advanceSeconds": seconds})

    def request_log(self, route: str | None = None) -> list[dict]:
        query = f"?route={requests.utils.quote(route)}" if route else ""
        return self.control("GET", f"requests{query}")["requests"]

    def all_messages(self, conversation_id: str) -> list[dict]:
        """Every message of a conversation, newest first, through the API's pages."""
        items, token = [], None
        while True:
            query = {"pageSize": 100} | ({"pageToken": token} if token else {})
            response = self.api("GET", f"/conversations/{conversation_id}/messages", params=query)
            assert response.status_code == 200, response.text
            items += response.json()["messages"]
            token = response.json().get("nextPageToken")
            if not token:
                return items

    def logged(self, count: int, method: str | None = None, path: str | None = None) -> list[dict]:
        """The API requests served (for one method and path, given without /v1), once there
        are `count` of them or 5 s have passed: a request another thread is still making,
        or one a fault holds, is logged only when it is answered. Faulted requests count
        too (a fault answers before routing, so they carry no route label)."""
        deadline = time.monotonic() + 5
        while True:
            entries = [
                e
                for e in self.request_log()
                if (method is None or e["method"] == method)
                and (path is None or e["path"] == "/v1" + path)
            ]
            if len(entries) >= count or time.monotonic() > deadline:
                return entries
            time.sleep(0.01)

    def reset(self, **settings: object) -> None:
        body = {
            "seed": 7,
            "conversations": CONVERSATIONS,
            "frozen": True,
            "trafficPerMinute": 0,
            "latencyMs": 0,
        }
        self.control("POST", "reset", body | settings)


@pytest.fixture(scope="session")
def _simulator_server() -> Iterator[tuple[Simulator, SimServer, str]]:
    simulator = Simulator(conversations=CONVERSATIONS, frozen=True, traffic_per_minute=0)
    server, base_url = start_in_thread(simulator)
    yield simulator, server, base_url
    server.shutdown()
    server.server_close()


@pytest.fixture
def sim(_simulator_server: tuple[Simulator, SimServer, str]) -> Iterator[SimHandle]:
    """A freshly seeded tenant (seed 7, frozen clock, no background traffic) per test."""
    simulator, server, base_url = _simulator_server
    with requests.Session() as session:
        handle = SimHandle(simulator, server, base_url, session)
        handle.reset()
        yield handle


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
def _fast_password_hashing(settings) -> None:
    """Tests create users; the production hasher's deliberate slowness buys nothing here."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def pytest_report_header(config: pytest.Config) -> str:
    from django.conf import settings

    return f"backends: database {settings.DATABASES['default']['ENGINE']}, cache {settings.CACHES['default']['BACKEND']}"


@pytest.fixture
def flownally(sim, settings):
    """The dashboard pointed at a fresh simulator."""
    settings.FLOWNALLY_API_URL = sim.base_url
    settings.FLOWNALLY_API_TOKEN = "sim-token"
    return sim


@pytest.fixture
def client_as(client, db):
    """Sign the test client in as a new account with `role` (None: no role)."""

    def sign_in(role: str | None):
        user = get_user_model().objects.create_user(
            (role or "norole").replace(" ", "-").lower(), password="a-long-test-password"
        )
        if role:
            user.groups.add(Group.objects.get(name=role))
        client.force_login(user)
        return client

    return sign_in
