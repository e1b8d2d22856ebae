from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Roles (groups and their permissions) and the audit log of actions taken here."""

    name = "dashboard.accounts"
    label = "accounts"
    verbose_name = "Accounts and audit"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from dashboard.accounts import backends, signin  # noqa: F401 (signin: its audit receiver)

        backends.connect()
