from django.apps import AppConfig


class AlertsConfig(AppConfig):
    """The tab title's count and each user's opt-in sound and desktop notifications."""

    name = "dashboard.alerts"
    label = "alerts"
