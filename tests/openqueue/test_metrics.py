"""Queue health calculations on hand-made conversations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dashboard.core.waits import wait_level
from dashboard.flownally.models import Conversation, Message, TextContent
from dashboard.openqueue.metrics import (
    Counts,
    failed_since,
    queue_health,
    recently_active,
    wait_seconds,
)

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def conversation(
    n: int,
    *,
    status: str | None = "open",
    assignee: str | None = "usr_A",
    waiting_minutes: float | None = None,
    channel: str = "whatsapp",
    inbox: str = "ibx_1",
    active_minutes_ago: float | None = 0,
) -> Conversation:
    return Conversation(
        id=f"cnv_{n:010d}",
        channel=channel,
        external_id=f"48{n:09d}",
        inbox_id=inbox,
        name=f"Customer {n}",
        contact_id=None,
        contact_name=None,
        last_message_at=None
        if active_minutes_ago is None
        else NOW - timedelta(minutes=active_minutes_ago),
        last_message_preview="",
        last_message_sender="customer",
        status=status,
        assignee_id=assignee,
        waiting_since=None if waiting_minutes is None else NOW - timedelta(minutes=waiting_minutes),
    )


def test_no_conversations_is_a_quiet_queue():
    health = queue_health([], NOW)
    assert (
        health.open,
        health.pending,
        health.waiting,
        health.unassigned,
        health.longest_wait_seconds,
    ) == (0, 0, 0, 0, None)
    assert health.longest_waiting == () and health.per_channel == {}


def test_closed_conversations_do_not_count_even_with_a_stale_wait():
    health = queue_health(
        [conversation(1, status="closed", waiting_minutes=90), conversation(2, status="closed")],
        NOW,
    )
    assert (health.open, health.waiting, health.unassigned) == (0, 0, 0)


def test_the_headline_numbers():
    health = queue_health(
        [
            conversation(1, status="pending", assignee=None, waiting_minutes=20),
            conversation(2, status="open", waiting_minutes=3),
            conversation(3, status="open"),
            conversation(4, status="closed", waiting_minutes=500),
        ],
        NOW,
    )
    assert (health.open, health.pending, health.waiting, health.unassigned) == (3, 1, 2, 1)
    assert health.longest_wait_seconds == 20 * 60


def test_the_longest_waiting_come_first_and_are_capped():
    conversations = [conversation(n, waiting_minutes=n) for n in range(1, 9)]
    health = queue_health(conversations, NOW, top=3)
    assert [w.seconds / 60 for w in health.longest_waiting] == [8, 7, 6]
    assert health.longest_waiting[0].contact == "Customer 8"


def test_per_assignee_channel_and_inbox_counts():
    health = queue_health(
        [
            conversation(1, assignee="usr_A", waiting_minutes=1, channel="sms", inbox="ibx_2"),
            conversation(2, assignee="usr_A"),
            conversation(3, assignee=None, waiting_minutes=2),
        ],
        NOW,
    )
    assert health.per_assignee == {"usr_A": Counts(2, 1), "": Counts(1, 1)}
    assert health.per_channel == {"whatsapp": Counts(2, 1), "sms": Counts(1, 1)}
    assert health.per_inbox == {"ibx_1": Counts(2, 1), "ibx_2": Counts(1, 1)}


def test_a_wait_that_starts_in_the_future_counts_as_zero():
    skewed = conversation(1, waiting_minutes=-5)  # the dashboard's clock is behind Flownally's
    assert wait_seconds(skewed, NOW) == 0.0
    assert queue_health([skewed], NOW).longest_wait_seconds == 0.0


def test_missing_optional_fields_are_read_safely():
    unknown = conversation(1, status=None, assignee=None, waiting_minutes=None)
    health = queue_health([unknown], NOW)
    assert (health.open, health.pending, health.waiting, health.unassigned) == (1, 0, 0, 1)


@pytest.mark.parametrize(
    ("minutes", "level"),
    [
        (None, ""),
        (0, "ok"),
        (4.9, "ok"),
        (5, "warn"),
        (14.9, "warn"),
        (15, "alert"),
        (600, "alert"),
    ],
)
def test_wait_levels_follow_the_thresholds(minutes, level):
    assert wait_level(None if minutes is None else minutes * 60, 5, 15) == level


def test_recently_active_takes_the_newest_open_conversations_within_the_window():
    conversations = [
        conversation(1, active_minutes_ago=5),
        conversation(2, active_minutes_ago=90),  # before the window
        conversation(3, active_minutes_ago=1, status="closed"),
        conversation(4, active_minutes_ago=2),
        conversation(5, active_minutes_ago=None),  # no activity recorded
        conversation(6, active_minutes_ago=30),
    ]
    chosen = recently_active(conversations, NOW - timedelta(minutes=60), limit=2)
    assert [c.id for c in chosen] == [conversation(4).id, conversation(1).id]
    assert recently_active([], NOW, limit=5) == []


def message(n: int, status: str, minutes_ago: float, changed_minutes_ago: float | None = None):
    return Message(
        id=f"msg_{n:010d}",
        conversation_id="cnv_0000000001",
        created_at=NOW - timedelta(minutes=minutes_ago),
        updated_at=None
        if changed_minutes_ago is None
        else NOW - timedelta(minutes=changed_minutes_ago),
        sender_type="user",
        sender_id="usr_A",
        content=TextContent("hello"),
        delivery_status=status,
    )


def test_failed_deliveries_count_only_failures_within_the_window():
    since = NOW - timedelta(minutes=60)
    messages = [
        message(1, "failed", 10),
        message(2, "failed", 120),  # long ago
        message(3, "failed", 120, changed_minutes_ago=3),  # sent long ago, failed just now
        message(4, "delivered", 5),
        message(5, "read", 1),
    ]
    assert failed_since(messages, since) == 2
    assert failed_since([], since) == 0
