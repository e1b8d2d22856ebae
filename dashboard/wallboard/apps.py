from django.apps import AppConfig


class WallboardConfig(AppConfig):
    """Queue health on a TV screen: the board, its shared snapshot and kiosk links."""

    name = "dashboard.wallboard"
    label = "wallboard"
