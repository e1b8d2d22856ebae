"""The simulator as the benchmark sees it: its tenant, its control API, its request log.

The request log is how upstream requests are counted: every API request the simulator
answers is logged (control requests under /_sim/ are not, and get no added latency), with
the wall-clock moment it arrived: the rate Flownally saw is counted per second of arrival,
the seconds a request budget counts in.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import requests

from bench.processes import SIM_TOKEN, BenchError

# Delivery states the control API can force, in the order a message moves through them.
DELIVERY_STATES = ("sent", "delivered", "read")


@dataclass
class Upstream:
    """API requests the simulator answered since the log was cleared."""

    count: int = 0
    last_seq: int = 0
    last_ended_at: float = 0.0  # wall-clock seconds the latest one was answered
    by_route: dict[str, int] = field(default_factory=dict)
    per_second: Counter[int] = field(default_factory=Counter)  # arrivals by wall-clock second

    @property
    def max_per_second(self) -> int:
        """The most requests that arrived in any one wall-clock second."""
        return max(self.per_second.values(), default=0)


class Sim:
    def __init__(self, root: str) -> None:
        self.root = root
        self.session = requests.Session()

    def control(self, method: str, path: str, body: dict | None = None) -> dict:
        response = self.session.request(method, f"{self.root}/_sim/{path}", json=body, timeout=30)
        if response.status_code >= 300:
            raise BenchError(f"simulator control {method} {path}: {response.text[:500]}")
        return response.json()

    def api(self, path: str, **params: Any) -> dict:
        response = self.session.get(
            f"{self.root}/v1{path}",
            params=params,
            headers={"Authorization": f"Bearer {SIM_TOKEN}"},
            timeout=30,
        )
        if response.status_code != 200:
            raise BenchError(f"simulator GET {path}: {response.status_code} {response.text[:500]}")
        return response.json()

    def health(self) -> dict:
        return self.control("GET", "health")

    def set_latency(self, latency_ms: int) -> None:
        self.control("POST", "config", {"latencyMs": latency_ms})

    def conversations(self) -> list[dict]:
        """Every conversation, newest activity first."""
        items, token = [], None
        while True:
            page = self.api(
                "/conversations", pageSize=100, **({"pageToken": token} if token else {})
            )
            items += page["conversations"]
            token = page.get("nextPageToken")
            if not token:
                return items

    def newest_messages(self, conversation_id: str) -> list[dict]:
        """The first page of a conversation's messages: what its page shows."""
        return self.api(f"/conversations/{conversation_id}/messages")["messages"]

    def force_delivery(self, message_id: str, state: str) -> None:
        self.control("POST", f"messages/{message_id}/delivery", {"deliveryStatus": state})

    def customer_writes(self, conversation_id: str, text: str) -> None:
        self.control("POST", "inbound", {"conversationId": conversation_id, "text": text})

    def clear_log(self) -> None:
        self.control("DELETE", "requests")

    def upstream_after(self, quiet: float = 0.3, timeout: float = 30) -> Upstream:
        """Read the log until no request has been answered for `quiet` seconds (a request
        in progress is logged when answered; work a scenario started in the background,
        like a wallboard refresh, counts for that scenario)."""
        seen = Upstream()
        deadline = time.monotonic() + timeout
        last_change = time.monotonic()
        while time.monotonic() < deadline:
            entries = self.control("GET", f"requests?since={seen.last_seq}")["requests"]
            if entries:
                last_change = time.monotonic()
                seen.count += len(entries)
                seen.last_seq = entries[-1]["seq"]
                seen.last_ended_at = max(seen.last_ended_at, *(e["endedAt"] for e in entries))
                for entry in entries:
                    route = entry["route"] or "unrouted"
                    seen.by_route[route] = seen.by_route.get(route, 0) + 1
                    seen.per_second[int(entry["startedAt"])] += 1
            elif time.monotonic() - last_change >= quiet:
                return seen
            time.sleep(0.05)
        return seen
