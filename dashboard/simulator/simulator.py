"""One running simulator: the tenant (backend), the API tokens, faults, request log and
idempotency keys.

Shared by the HTTP layer (server.py), which serves requests from it, and the control API
(control.py), which resets and inspects it; neither imports the other for it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from dashboard.simulator.backend import Backend
from dashboard.simulator.clock import Clock
from dashboard.simulator.config import SimConfig
from dashboard.simulator.faults import Faults, RequestLog
from dashboard.simulator.idempotency import IdempotencyKeys
from dashboard.simulator.seed import REFERENCE_USER_ID

FULL_SCOPES = frozenset(
    {
        "message:create",
        "conversation:read",
        "conversation:list",
        "conversation:assign",
        "conversation:close",
        "inbox:read",
        "user:read",
    }
)
READ_SCOPES = frozenset({"conversation:read", "conversation:list", "inbox:read", "user:read"})


@dataclass(frozen=True)
class Principal:
    """Who a token speaks for: a label (it scopes idempotency keys), scopes, a team member."""

    label: str
    scopes: frozenset[str]
    user_id: str | None


class Simulator:
    """Everything one running simulator holds; `reset` swaps in a freshly seeded tenant."""

    def __init__(
        self,
        *,
        seed: int = 7,
        conversations: int = 500,
        token: str = "sim-token",
        read_only_token: str = "sim-readonly-token",
        latency_ms: int = 0,
        traffic_per_minute: float = 4.0,
        start_ms: int | None = None,
        frozen: bool = False,
    ) -> None:
        self.tokens = {
            token: Principal("full", FULL_SCOPES, REFERENCE_USER_ID),
            read_only_token: Principal("read-only", READ_SCOPES, None),
        }
        self.faults = Faults(seed)
        self.log = RequestLog()
        self.idempotency = IdempotencyKeys()
        self.lock = threading.Lock()
        self.reset(
            seed=seed,
            conversations=conversations,
            start_ms=start_ms,
            frozen=frozen,
            config=SimConfig(latency_ms=latency_ms, traffic_per_minute=traffic_per_minute),
        )

    def reset(
        self,
        *,
        seed: int,
        conversations: int,
        start_ms: int | None,
        frozen: bool,
        config: SimConfig,
    ) -> None:
        # Built outside the lock: a large tenant takes a while, and requests keep being
        # served by the old one until the swap.
        backend = Backend(seed, conversations, Clock(start_ms, frozen), config)
        with self.lock:
            self.backend = backend
            self.idempotency.clear()
            self.faults.clear()
            self.log.clear()
