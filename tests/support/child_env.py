"""The environment of a dashboard process a test starts (a second instance, a worker, a
walker): this one's, without pytest's and Django's own variables, pointed at the
simulator, with the test's settings on top."""

from __future__ import annotations

import os


def django_env(sim, **settings: str) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST_"))}
    return (
        keep
        | {
            "DJANGO_SETTINGS_MODULE": "dashboard.settings",
            "DEBUG": "true",
            "FLOWNALLY_API_URL": sim.base_url,
            "FLOWNALLY_API_TOKEN": "sim-token",
            "LOG_LEVEL": "WARNING",
        }
        | settings
    )
