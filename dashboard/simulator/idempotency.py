"""Idempotency keys: a POST that carries an `Idempotency-Key` runs once per token and key.

The same key with the same request replays the stored answer (marked by the
`Idempotent-Replayed` header); with a different request it is refused (409
idempotency_key_reused); while the first is still running, a retry is told to wait (409
idempotency_in_progress with Retry-After). Answers that say nothing about the request
(409, 429, 5xx, a dropped connection) are not stored, so retrying those runs it again.
Keys are forgotten after 24 hours.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass

from dashboard.simulator.errors import ApiError, detail

IDEMPOTENCY_TTL_MS = 24 * 3600 * 1000
_KEY = re.compile(r"[\x21-\x7e]{1,255}")

Answer = tuple[int, dict | bytes | None, dict[str, str]]  # status, payload, extra headers


def read_key(raw: str | None) -> str | None:
    """The request's Idempotency-Key header, None when it sends none; 422 when malformed."""
    if raw is None:
        return None
    if not _KEY.fullmatch(raw):
        raise ApiError(
            422,
            "validation_failed",
            "The request is not valid.",
            [
                detail(
                    "Idempotency-Key",
                    "invalid",
                    "Idempotency-Key must be 1 to 255 visible ASCII characters.",
                )
            ],
        )
    return raw


@dataclass
class _Slot:
    fingerprint: str
    at: int
    status: int | None = None  # None while the first request is still running
    payload: dict | bytes | None = None


class IdempotencyKeys:
    """The answers stored per (token, key), shared by every request thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._slots: dict[tuple[str, str], _Slot] = {}

    def clear(self) -> None:
        with self._lock:
            self._slots = {}

    def run_once(
        self,
        slot: tuple[str, str],
        fingerprint: str,
        now_ms: int,
        request_id: str,
        run: Callable[[], Answer],
    ) -> tuple[Answer, bool]:
        """Run once per (token, key) and store the answer; replay it to the same request.

        Returns the answer and whether it is a replay."""
        with self._lock:
            stored = self._slots.get(slot)
            if stored is not None and now_ms - stored.at > IDEMPOTENCY_TTL_MS:
                stored = None
            if stored is not None:
                if stored.fingerprint != fingerprint:
                    raise ApiError(
                        409,
                        "idempotency_key_reused",
                        "This Idempotency-Key was used for a different request.",
                    )
                if stored.status is None:
                    raise ApiError(
                        409,
                        "idempotency_in_progress",
                        "A request with this Idempotency-Key is still being processed.",
                        headers={"Retry-After": "1"},
                    )
                return (stored.status, stored.payload, {"Idempotent-Replayed": "true"}), True
            # Held while the request runs, so a concurrent retry sees it in progress.
            self._slots[slot] = _Slot(fingerprint, now_ms)
        try:
            status, payload, headers = run()
        except ApiError as error:
            with self._lock:
                if error.status in (409, 429) or error.status >= 500:
                    del self._slots[slot]  # not an answer about the request: retrying is fine
                else:
                    self._store(slot, error.status, error.body(request_id))
            raise
        except BaseException:
            with self._lock:
                del self._slots[slot]
            raise
        with self._lock:
            self._store(slot, status, payload)
        return (status, payload, headers), False

    def _store(self, slot: tuple[str, str], status: int, payload: dict | bytes | None) -> None:
        stored = self._slots[slot]
        stored.status, stored.payload = status, payload
