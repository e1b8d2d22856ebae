from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import admin as auth_admin
from django.contrib.auth.models import User

from dashboard.accounts import members
from dashboard.accounts.models import AuditEntry, Member
from dashboard.accounts.roles import perm


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


class MemberInline(admin.StackedInline):
    """The account's Flownally team member, on the user's admin page (as on /people/)."""

    model = Member
    fields = ("flownally_user_id",)
    can_delete = False  # blank unlinks; the row goes with its account

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm(perm("manage_accounts"))

    has_add_permission = has_change_permission = has_view_permission


admin.site.unregister(User)


@admin.register(User)
class UserAdmin(auth_admin.UserAdmin):
    inlines = (*auth_admin.UserAdmin.inlines, MemberInline)

    def save_formset(self, request, form, formset, change):
        """A changed link is audited as on /people/ (the admin saves the row itself)."""
        if formset.model is not Member:
            return super().save_formset(request, form, formset, change)
        before = members.linked_id(form.instance.pk)
        super().save_formset(request, form, formset, change)
        members.link_changed(
            form.instance, before, members.linked_id(form.instance.pk), by=request.user
        )
        return None
