"""Kiosk links: a long random token in a URL that opens the wallboard, and nothing else.

Only the token's SHA-256 is stored, so the database (or a backup of it) cannot open a
board; the full link is shown once, when it is created.
"""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.core.cache import cache
from django.db import models
from django.utils import timezone

# A screen refreshing every few seconds reads its link from the cache, not the database;
# revoking deletes that entry, and a process with its own cache sees it within this long.
CACHED_FOR = 10


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
        hashed = token_hash(token)
        return cache.get_or_set(
            _cache_key(hashed), lambda: cls.objects.filter(token_hash=hashed).first(), CACHED_FOR
        )

    def revoke(self, user) -> None:
        self.revoked_at, self.revoked_by = timezone.now(), user
        self.save(update_fields=["revoked_at", "revoked_by"])
        cache.delete(_cache_key(self.token_hash))

    def mark_used(self) -> None:
        """Supervisors see which screens are live; written at most once a minute."""
        now = timezone.now()
        if self.last_used_at is None or (now - self.last_used_at).total_seconds() > 60:
            KioskLink.objects.filter(pk=self.pk).update(last_used_at=now)
            self.last_used_at = now
            cache.set(_cache_key(self.token_hash), self, CACHED_FOR)

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None


def _cache_key(hashed: str) -> str:
    return f"wallboard:kiosk:{hashed}"
