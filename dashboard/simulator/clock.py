"""The simulator's clock: real time plus an offset, which tests move or freeze.

Everything in the simulator that changes by itself (delivery states, customers writing in,
the WhatsApp window) reads this clock, so a test advances it instead of sleeping.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime


def to_ms(value: datetime) -> int:
    return int(value.timestamp() * 1000)


def iso(ms: int) -> str:
    """RFC 3339 in UTC with `Z`; milliseconds only when there are some."""
    seconds, millis = divmod(ms, 1000)
    text = datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{text}.{millis:03d}Z" if millis else f"{text}Z"


def parse_iso(text: str) -> int:
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return to_ms(value)


class Clock:
    def __init__(self, start_ms: int | None = None, frozen: bool = False) -> None:
        self._lock = threading.Lock()
        real = self._real_ms()
        self._offset = 0 if start_ms is None else start_ms - real
        self._frozen_at: int | None = (real + self._offset) if frozen else None

    @staticmethod
    def _real_ms() -> int:
        return time.time_ns() // 1_000_000

    def now_ms(self) -> int:
        with self._lock:
            if self._frozen_at is not None:
                return self._frozen_at
            return self._real_ms() + self._offset

    @property
    def frozen(self) -> bool:
        return self._frozen_at is not None

    def advance(self, ms: int) -> None:
        if ms < 0:
            raise ValueError("the clock only moves forward")
        with self._lock:
            if self._frozen_at is not None:
                self._frozen_at += ms
            else:
                self._offset += ms

    def set(self, target_ms: int) -> None:
        with self._lock:
            current = (
                self._frozen_at if self._frozen_at is not None else self._real_ms() + self._offset
            )
            if target_ms < current:
                raise ValueError("the clock only moves forward")
            if self._frozen_at is not None:
                self._frozen_at = target_ms
            else:
                self._offset = target_ms - self._real_ms()

    def freeze(self, frozen: bool) -> None:
        with self._lock:
            if frozen and self._frozen_at is None:
                self._frozen_at = self._real_ms() + self._offset
            elif not frozen and self._frozen_at is not None:
                self._offset = self._frozen_at - self._real_ms()
                self._frozen_at = None
