"""The simulator as the tests reach it: over HTTP, like the dashboard reaches Flownally.

`SimHandle` wraps one running simulator (the `sim` fixture gives one, reset, per test):
API calls, the /_sim control endpoints, faults, and waits on the request log. The
tokens and the tenant size here are those the `sim` fixture seeds the simulator with."""

from __future__ import annotations

import re
import sys
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import requests

from dashboard.core.processes import free_port

if TYPE_CHECKING:
    from dashboard.simulator.server import SimServer
    from dashboard.simulator.simulator import Simulator

TOKEN = "sim-token"
READ_ONLY_TOKEN = "sim-readonly-token"
CONVERSATIONS = 200
SEED = 7

LOG_WAIT_S = 5.0


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

    def reset(self, **settings: object) -> None:
        body = {
            "seed": SEED,
            "conversations": CONVERSATIONS,
            "frozen": True,
            "trafficPerMinute": 0,
            "latencyMs": 0,
        }
        self.control("POST", "reset", body | settings)

    def conversations(self, **query: object) -> list[dict]:
        """Every conversation the simulator's own list gives for `query` (its parameters,
        e.g. status=["closed"], sort="createdAt:desc"), page after page."""
        items, token = [], None
        while True:
            params = query | {"pageSize": 100} | ({"pageToken": token} if token else {})
            body = self.api("GET", "/conversations", params=params).json()
            items += body["conversations"]
            if not (token := body.get("nextPageToken")):
                return items

    def open_queue(self) -> list[dict]:
        """Every open and pending conversation, straight from the simulator's own list:
        what the open-queue index must hold."""
        return self.conversations(status=["open", "pending"])

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

    # --- faults ------------------------------------------------------------------------------

    def add_fault(self, *, kind: str, exact_path: str | None = None, **rule: object) -> dict:
        """Add a fault rule (POST /_sim/faults) and return it as the simulator stored it.

        `rule` holds the rule's other fields as the simulator takes them: `path` is a regex
        searched in the full request path (/v1 included), `method`, `status`, `times`,
        `delayMs`, `retryAfter`, `probability`. `exact_path` is the short way to fault one
        API path only: given without /v1, as `logged` takes it, e.g. "/conversations".

        A request a timeout or latency fault holds is waited for by the `sim` fixture after
        the test, even if the client gave up on it."""
        if exact_path is not None:
            rule["path"] = f"^/v1{re.escape(exact_path)}$"
        response = self.session.post(
            f"{self.root}/_sim/faults", json={"kind": kind, **rule}, timeout=10
        )
        assert response.status_code == 201, response.text
        return response.json()["fault"]

    # --- the request log ---------------------------------------------------------------------

    def request_log(self, route: str | None = None) -> list[dict]:
        query = f"?route={requests.utils.quote(route)}" if route else ""
        return self.control("GET", f"requests{query}")["requests"]

    def logged(
        self,
        count: int,
        method: str | None = None,
        path: str | None = None,
        *,
        route: str | None = None,
        fault: str | None = None,
        timeout: float = LOG_WAIT_S,
    ) -> list[dict]:
        """The API requests served, oldest first, once there are `count` of them or `timeout`
        seconds have passed; the caller asserts on what it gets.

        The simulator logs a request just before its answer leaves, and a request another
        thread is still making, or one a fault holds, only once it is answered: hence the
        wait. Optionally only those of one `method` and `path` (given without /v1), of one
        `route` label (e.g. "GET /conversations/{id}"), or met by one `fault` kind (the
        last that fired, when several did). Requests a fault answered carry no route label
        (a fault answers before routing): select those by path."""
        deadline = time.monotonic() + timeout
        while True:
            entries = [
                entry
                for entry in self.request_log()
                if (method is None or entry["method"] == method)
                and (path is None or entry["path"] == "/v1" + path)
                and (route is None or entry["route"] == route)
                and (fault is None or entry["fault"] == fault)
            ]
            if len(entries) >= count or time.monotonic() > deadline:
                return entries
            time.sleep(0.01)


def quiet_about_clients_that_left(server: SimServer) -> None:
    """Stop `server` printing a traceback when a client went away before its answer was
    written. Tests give up on requests a fault holds on purpose; the simulator writes the
    answer once the hold is over, just after the `sim` fixture saw the request logged, and
    the traceback would land between tests, outside pytest's capture. Other errors are
    still reported."""
    report = server.handle_error

    def handle_error(request, client_address) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):  # BrokenPipe, reset
            report(request, client_address)

    server.handle_error = handle_error


def closed_port_url() -> str:
    """An API base URL on a loopback port nothing listens on: connections are refused."""
    return f"http://127.0.0.1:{free_port()}/v1"
