"""The audit log (who did what through the dashboard, to which conversation, and how it
went) and the link from a dashboard account to the Flownally team member it belongs to.

Flownally sees one shared token; these tables are the only record of which person acted.
Entries are written by `audit.audited` (and the pages that change accounts and kiosk links)
and never edited.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models

from dashboard.accounts.roles import PERMISSIONS


class AuditEntry(models.Model):
    class Action(models.TextChoices):
        REPLY = "reply", "Replied"
        SEND_NEW = "send_new", "Started a conversation"
        RESEND = "resend", "Resent a failed message"
        REACT = "react", "Reacted"
        UNREACT = "unreact", "Removed a reaction"
        REASSIGN = "reassign", "Reassigned"
        CLOSE = "close", "Closed"
        MARK_READ = "mark_read", "Marked read"
        KIOSK_CREATE = "kiosk_create", "Created a kiosk link"
        KIOSK_REVOKE = "kiosk_revoke", "Revoked a kiosk link"
        ACCOUNT_CREATE = "account_create", "Created an account"
        ACCOUNT_CHANGE = "account_change", "Changed an account"
        BULK = "bulk", "Ran a bulk action"
        SIGNIN_LOCK = "signin_lock", "Sign-in locked out"
        SIGNIN_UNLOCK = "signin_unlock", "Unlocked sign-in"

    class Outcome(models.TextChoices):
        OK = "ok", "Done"
        REFUSED = "refused", "Refused by Flownally"
        FAILED = "failed", "Failed"
        UNKNOWN = "unknown", "Unknown (no answer)"
        SKIPPED = "skipped", "Skipped (changed since the preview)"
        ERROR = "error", "Error in the dashboard"

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    username = models.CharField(max_length=150, help_text="Kept when the account is deleted.")
    action = models.CharField(max_length=16, choices=Action.choices, db_index=True)
    conversation_id = models.CharField(max_length=80, blank=True, db_index=True)
    # Indexed: the timeline looks up who sent the messages on its page by their IDs.
    message_id = models.CharField(max_length=80, blank=True, db_index=True)
    # A resend: the failed message it sends again (message_id is the new one).
    resends = models.CharField(max_length=80, blank=True, db_index=True)
    summary = models.CharField(
        max_length=300, blank=True, help_text="What was done, without message text."
    )
    outcome = models.CharField(max_length=8, choices=Outcome.choices)
    upstream_status = models.PositiveSmallIntegerField(null=True, blank=True)
    upstream_request_id = models.CharField(max_length=80, blank=True)
    error = models.CharField(max_length=500, blank=True)
    idempotency_key = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        default_permissions = ("view",)
        permissions = list(PERMISSIONS.items())
        verbose_name = "audit entry"
        verbose_name_plural = "audit log"

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.username} {self.action} {self.conversation_id} {self.outcome}"


class Member(models.Model):
    """Which Flownally team member (`usr_…`) a dashboard account belongs to, if any.

    Flownally cannot tell who acted (one token for everybody); this link lets the dashboard
    say "Me" in the reassign menu and name the person behind a reply. Blank: not linked.
    Edited on /people/ and in the admin, through `members.member_link` (which audits it).
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="member"
    )
    flownally_user_id = models.CharField(
        "Flownally team member",
        max_length=80,
        blank=True,
        validators=[
            RegexValidator(
                r"^usr_[0-9A-Za-z]{10,64}\Z", "A Flownally team member's ID looks like usr_…"
            )
        ],
        help_text="Their Flownally user ID (usr_…); blank when the account is nobody on the team (a TV).",
    )

    class Meta:
        constraints = [
            # One person, one account: otherwise "who sent it" would name two people.
            models.UniqueConstraint(
                fields=["flownally_user_id"],
                condition=~models.Q(flownally_user_id=""),
                name="one_account_per_flownally_member",
                violation_error_message="This team member is already linked to another account.",
            )
        ]
        # Who may change a link is the role's manage_accounts, as on /people/.
        default_permissions = ()
        verbose_name = "Flownally team member"

    def __str__(self) -> str:
        return f"{self.user} → {self.flownally_user_id or 'not linked'}"
