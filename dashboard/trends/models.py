"""One row per minute: the open-queue index's headline numbers as a walk in that minute
found them. Minutes nobody watched (no walk) have no row: gaps, shown as gaps."""

from __future__ import annotations

from django.db import models


class Minute(models.Model):
    at = models.DateTimeField(unique=True)  # the minute (UTC, seconds zero): one row each
    # The same minute as an integer (epoch seconds / 60): what charts read and order by.
    minute = models.BigIntegerField(unique=True)
    open = models.PositiveIntegerField()
    pending = models.PositiveIntegerField()
    waiting = models.PositiveIntegerField()
    unassigned = models.PositiveIntegerField()
    longest_wait = models.PositiveIntegerField(null=True)  # seconds; None: nobody waits
    failed = models.PositiveIntegerField()  # failed deliveries in the index's window
    members = models.JSONField(default=dict)  # member ID -> [open, waiting]
    names = models.JSONField(default=dict)  # member ID -> name, as known that minute
    seeded = models.BooleanField(default=False)  # demo history, not a real walk

    class Meta:
        ordering = ["at"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} open {self.open} waiting {self.waiting}"

    def save(self, *args, **kwargs) -> None:
        self.minute = epoch_minute(self.at)
        super().save(*args, **kwargs)


def epoch_minute(at) -> int:
    return int(at.timestamp() // 60)
