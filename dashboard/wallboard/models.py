"""Kiosk links: a long random token in a URL that opens the wallboard, and nothing else.

Only the token's SHA-256 is stored, so the database (or a backup of it) cannot open a
board; the full link is shown once, when it is created.
"""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class KioskLink(models.Model):
    name = models.CharField(max_length=80, help_text="Where the screen is, e.g. “Support room TV”.")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["revoked_at", "-created_at"]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def create(cls, name: str, user) -> tuple[KioskLink, str]:
        """A new link and its token: the only time the token exists outside a URL."""
        token = secrets.token_urlsafe(32)
        return cls.objects.create(name=name, token_hash=token_hash(token), created_by=user), token

    @classmethod
    def find(cls, token: str) -> KioskLink | None:
        if not 20 <= len(token) <= 100:
            return None
        return cls.objects.filter(token_hash=token_hash(token)).first()

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None
