"""The simulator's run-time settings, which tests read and change through /_sim/config.

Names are snake_case here and camelCase on the wire (`latencyMs`), converted in one place.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from dashboard.simulator.errors import detail, invalid


@dataclass
class SimConfig:
    """Behaviour a test may tune at run time through /_sim/config."""

    latency_ms: int = 0
    traffic_per_minute: float = 4.0
    fail_rate: float = 0.05
    read_rate: float = 0.7
    sent_after_ms: int = 1000
    delivered_after_ms: int = 3000
    read_after_ms: int = 8000
    failed_after_ms: int = 2500

    def update(self, changes: dict) -> None:
        known = {f.name: f.type for f in fields(self)}
        for camel, value in changes.items():
            name = "".join("_" + ch.lower() if ch.isupper() else ch for ch in camel)
            if (
                name not in known
                or isinstance(value, bool)
                or not isinstance(value, int | float)
                or value < 0
            ):
                raise invalid(
                    detail(
                        camel,
                        "invalid",
                        f"{camel} is not a known setting or not a non-negative number.",
                    )
                )
            # With `from __future__ import annotations` a field's type is its name as text.
            setattr(self, name, float(value) if known[name] == "float" else int(value))

    def as_json(self) -> dict:
        return {
            "".join(
                part.capitalize() if n else part for n, part in enumerate(f.name.split("_"))
            ): getattr(self, f.name)
            for f in fields(self)
        }
