"""Benchmarks of Flownally Supervisor: test equipment, run from a checkout, not shipped.

Outside the `dashboard` package on purpose: the wheel (pyproject's packages.find) and the
Docker image (the Dockerfile's COPY lines) leave it out.

- `python -m bench --out FILE` (`make bench`): the dashboard under load (issue 6). It starts
  the simulator and the dashboard as separate processes and measures them from outside,
  with wrk.
- `python -m bench.sim` (`make bench-sim`): the simulator's start-up and list latency.
- `python -m bench.client` (`make bench-client`): the Flownally client's costs and savings.
- `python -m bench.index` (`make bench-index`): one walk of the open-queue index (behind
  the list's filters, the team page and the wallboard), upstream, by tenant size.
- `python -m bench.bulk`: a bulk reassign of 500 conversations at 50 ms upstream, run by a
  real `db_worker`: wall time to done, and the reassigns Flownally carried out.
"""

from __future__ import annotations

import os

# What `python -m bench.sim|client|index` run with unless the environment says
# otherwise: the project's settings in development mode (they measure code, not a
# deployment, so no production secrets should be needed) and only warnings logged (the
# Flownally client logs every call at INFO, which would bury the tables they print).
DEVELOPMENT_ENV = {
    "DJANGO_SETTINGS_MODULE": "dashboard.settings",
    "DEBUG": "true",
    "LOG_LEVEL": "WARNING",
}


def use_development_env() -> None:
    """DEVELOPMENT_ENV, for this process and the ones it starts, where nothing is set."""
    for name, value in DEVELOPMENT_ENV.items():
        os.environ.setdefault(name, value)


def setup_django() -> None:
    """Django set up as `manage.py` would, for a benchmark run as a plain module. Only
    `__main__` blocks call it: under pytest, pytest-django has done it, and a default set
    in the test process's environment would leak into processes later tests start."""
    import django

    use_development_env()
    django.setup()
