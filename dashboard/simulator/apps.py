from django.apps import AppConfig


class SimulatorConfig(AppConfig):
    """Installed only for its `flownally_sim` management command; it has no models."""

    name = "dashboard.simulator"
    label = "simulator"
    verbose_name = "Flownally simulator"
