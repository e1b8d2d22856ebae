from django.contrib import admin

from dashboard.accounts.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: the log is evidence, so nobody edits or deletes it from here."""

    list_display = (
        "at",
        "username",
        "action",
        "conversation_id",
        "message_id",
        "outcome",
        "upstream_status",
    )
    list_filter = ("action", "outcome")
    search_fields = ("username", "conversation_id", "message_id", "upstream_request_id")
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
