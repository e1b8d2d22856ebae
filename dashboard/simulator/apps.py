"""The simulator as a Django app, so that `manage.py flownally_sim` finds its command."""

from __future__ import annotations

from django.apps import AppConfig


class SimulatorConfig(AppConfig):
    """Installed only for its `flownally_sim` management command; it has no models."""

    name = "dashboard.simulator"
    label = "simulator"
    verbose_name = "Flownally simulator"
