"""A bulk job and its items, one row each, so a job outlives the worker running it.

Each item's Idempotency-Key is made when the job is (and never changes): whatever happens
to a worker, sending an item again replays at Flownally instead of acting twice. An item
also keeps what its conversation looked like at the preview (assignee, status), so one
someone else changed in the meantime is skipped, not overwritten.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class Job(models.Model):
    class Action(models.TextChoices):
        REASSIGN = "reassign", "Reassign"
        SPREAD = "spread", "Spread evenly"
        CLOSE = "close", "Close"

    class State(models.TextChoices):
        QUEUED = "queued", "Waiting for a worker"
        RUNNING = "running", "Running"
        PAUSED = "paused", "Paused: Flownally is not answering"
        DONE = "done", "Done"
        CANCELLED = "cancelled", "Cancelled"

    ACTIVE = (State.QUEUED, State.RUNNING, State.PAUSED)

    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    username = models.CharField(max_length=150)
    action = models.CharField(max_length=16, choices=Action.choices)
    summary = models.CharField(max_length=500, help_text="The preview's sentence.")
    state = models.CharField(max_length=16, choices=State.choices, default=State.QUEUED)
    total = models.PositiveIntegerField(default=0)
    cancel_requested = models.BooleanField(default=False)
    note = models.CharField(max_length=300, blank=True, help_text="Why it is paused.")
    resume_at = models.DateTimeField(null=True, blank=True)
    # Who runs it now: a worker holds the lease and renews it while it runs; one that
    # dies lets it lapse, and the job is handed to another (recovery.py).
    lease_owner = models.CharField(max_length=64, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    task_id = models.CharField(max_length=64, blank=True, help_text="The latest task run.")
    runs = models.PositiveIntegerField(default=0, help_text="Tasks enqueued for it so far.")
    finished_at = models.DateTimeField(null=True, blank=True)
    told = models.BooleanField(default=False, help_text="Its creator has seen the outcome.")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["created_by", "told", "finished_at"])]

    def __str__(self) -> str:
        return f"Bulk job {self.pk}: {self.summary}"

    @property
    def finished(self) -> bool:
        return self.state not in self.ACTIVE


def new_key() -> str:
    return f"bulk-{uuid.uuid4().hex}"


class Item(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        DONE = "done", "Done"
        SKIPPED = "skipped", "Skipped"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Not done (cancelled)"

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField()
    conversation_id = models.CharField(max_length=80)
    name = models.CharField(max_length=200, blank=True)
    # As the preview saw it ("" = unassigned).
    before_assignee = models.CharField(max_length=80, blank=True)
    before_status = models.CharField(max_length=16, blank=True)
    target = models.CharField(max_length=80, blank=True, help_text="usr_…; blank to close.")
    idempotency_key = models.CharField(max_length=64, unique=True, default=new_key)
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    reason = models.CharField(max_length=300, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["job", "conversation_id"], name="one_item_per_job")
        ]
        indexes = [models.Index(fields=["job", "state"])]

    def __str__(self) -> str:
        return f"{self.conversation_id} ({self.state})"
