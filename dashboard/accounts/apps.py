from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Roles (groups and their permissions) and the audit log of actions taken here."""

    name = "dashboard.accounts"
    label = "accounts"
    verbose_name = "Accounts and audit"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from dashboard.accounts import backends, signin  # noqa: F401 (signin: its audit receiver)

        backends.connect()
        # As Django does for permissions: every `migrate`, and every flush of the tables
        # (a transactional test's teardown), leaves the roles as the code defines them.
        post_migrate.connect(_restore_roles, sender=self, dispatch_uid="accounts-roles")


def _restore_roles(**_: object) -> None:
    from dashboard.accounts.roles import ensure_roles

    ensure_roles()
