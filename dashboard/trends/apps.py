from django.apps import AppConfig


class TrendsConfig(AppConfig):
    """The open-queue index's headline numbers, kept once a minute: the wallboard's
    sparklines and the trends page."""

    name = "dashboard.trends"
    label = "trends"
