"""Each user's choice of alerts: both off until they switch them on."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class AlertPreference(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="alert_preference"
    )
    sound = models.BooleanField(default=False, help_text="A short beep.")
    desktop = models.BooleanField(default=False, help_text="A notification from the browser.")

    def __str__(self) -> str:
        return f"alerts of {self.user}"

    @classmethod
    def of(cls, user) -> AlertPreference:
        """The user's preference; an unsaved one (both off) when they never chose."""
        found = cls.objects.filter(user_id=user.pk).first()
        return found or cls(user_id=user.pk)
