"""Kiosk links: a long random token in a URL that opens the wallboard, and nothing else.

Only the token's SHA-256 is stored, so the database (or a backup of it) cannot open a
board; the full link is shown once, when it is created.
"""

from __future__ import annotations

import contextlib
import hashlib
import secrets
import time

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, models
from django.utils import timezone

# A screen refreshing every few seconds reads its link from the cache, not the database,
# checked again at most this often: a revoke (which also rewrites the shared cache entry)
# reaches a process with its own cache, or a check that raced it, within this long.
CACHED_FOR = 10
# While the database cannot be reached, a link checked within this long keeps its screen
# showing the board (nobody can revoke meanwhile: revoking needs the database too).
OUTAGE_GRACE = 15 * 60
USED_EVERY = 60  # "last used" is written at most this often per link


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
        """The link of a token (revoked or not), or None. Raises DatabaseError only when the
        database cannot be reached and the link was not checked within OUTAGE_GRACE."""
        if not 20 <= len(token) <= 100:
            return None
        hashed = token_hash(token)
        # (when checked, the link or None): kept past CACHED_FOR for a database outage.
        cached = cache.get(_cache_key(hashed))
        if cached and time.time() - cached[0] < CACHED_FOR:
            return cached[1]
        try:
            link = cls.objects.filter(token_hash=hashed).first()
        except DatabaseError:
            if cached and time.time() - cached[0] < OUTAGE_GRACE:
                return cached[1]
            raise
        # An unknown token is kept only briefly: anyone can make them up.
        cache.set(_cache_key(hashed), (time.time(), link), OUTAGE_GRACE if link else CACHED_FOR)
        return link

    def revoke(self, user) -> None:
        self.revoked_at, self.revoked_by = timezone.now(), user
        self.save(update_fields=["revoked_at", "revoked_by"])
        cache.set(_cache_key(self.token_hash), (time.time(), self), OUTAGE_GRACE)

    def mark_used(self) -> None:
        """Supervisors see which screens are live. Only that column, and never on a revoked
        row: writing back the whole row read before a revoke would undo the revoke."""
        if not cache.add(f"wallboard:kiosk-used:{self.token_hash}", True, USED_EVERY):
            return
        # In a database outage the screen matters more than its "last used".
        with contextlib.suppress(DatabaseError):
            KioskLink.objects.filter(pk=self.pk, revoked_at__isnull=True).update(
                last_used_at=timezone.now()
            )

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None


def _cache_key(hashed: str) -> str:
    return f"wallboard:kiosk:{hashed}"
