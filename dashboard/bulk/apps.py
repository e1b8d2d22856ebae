from django.apps import AppConfig


class BulkConfig(AppConfig):
    """Bulk actions on many conversations at once, run as durable background jobs."""

    name = "dashboard.bulk"
    label = "bulk"
    verbose_name = "Bulk actions"
    default_auto_field = "django.db.models.BigAutoField"
