from django.apps import AppConfig


class WallboardConfig(AppConfig):
    """Queue health on a TV screen: the board (from the open-queue index) and kiosk links."""

    name = "dashboard.wallboard"
    label = "wallboard"
