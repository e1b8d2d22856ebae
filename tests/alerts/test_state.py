"""The alert state on hand-made indexes: who counts as waiting past the threshold, each
crossing's and failed delivery's key."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from dashboard.alerts import state
from dashboard.alerts.state import alert_state
from dashboard.openqueue.index import Index
from dashboard.openqueue.metrics import queue_health
from tests.openqueue.test_metrics import NOW, conversation


@dataclass(frozen=True)
class Failed:  # what the failed-deliveries index carries: at least these two
    message_id: str
    conversation_id: str


def index(conversations, failed=()) -> Index:
    return Index(
        conversations=tuple(conversations),
        interacted=frozenset(),
        users={},
        active_users=frozenset(),
        inboxes={},
        health=queue_health(conversations, NOW),
        failed_deliveries=len(failed),
        started_at=NOW.timestamp(),
        finished_at=NOW.timestamp(),
        failed=tuple(failed),
    )


def test_it_counts_the_customers_waiting_at_least_the_threshold():
    queue = [
        conversation(1, waiting_minutes=15),
        conversation(2, waiting_minutes=40),
        conversation(3, waiting_minutes=14.9),
        conversation(4),  # nobody waits
        conversation(5, waiting_minutes=60, status="closed"),
    ]
    found = alert_state(index(queue), NOW, 15)
    assert found.count == 2
    assert [a.conversation_id for a in found.alerts] == ["cnv_0000000001", "cnv_0000000002"]
    assert found.complete


def test_a_crossing_is_known_by_its_conversation_and_when_its_customer_began_waiting():
    first = alert_state(index([conversation(1, waiting_minutes=20)]), NOW, 15).alerts[0]
    began = NOW - timedelta(minutes=20)
    assert first.key == f"wait:cnv_0000000001:{began.isoformat()}"
    assert first.kind == "waiting"
    assert first.at == int((began + timedelta(minutes=15)).timestamp())
    assert first.title == "Customer 1 is waiting over 15 min"
    # Answered, then waiting again: a new crossing.
    again = alert_state(index([conversation(1, waiting_minutes=16)]), NOW, 15).alerts[0]
    assert again.key != first.key


def test_a_failed_delivery_is_known_by_its_message():
    queue = [conversation(1, waiting_minutes=1), conversation(2)]
    failed = [Failed("msg_9", "cnv_0000000002"), Failed("msg_7", "cnv_gone")]
    found = alert_state(index(queue, failed), NOW, 15)
    assert found.count == 0
    assert [(a.key, a.kind, a.conversation_id) for a in found.alerts] == [
        ("failed:msg_9", "failed", "cnv_0000000002"),
        ("failed:msg_7", "failed", "cnv_gone"),
    ]
    assert found.alerts[0].title == "A message to Customer 2 was not delivered"
    assert found.alerts[1].title == "A message to a customer was not delivered"


def test_the_newest_crossings_are_listed_and_the_count_covers_them_all(monkeypatch):
    monkeypatch.setattr(state, "MAX_CROSSINGS", 3)
    queue = [conversation(n, waiting_minutes=15 + n) for n in range(1, 6)]
    found = alert_state(index(queue), NOW, 15)
    assert found.count == 5
    assert [a.conversation_id for a in found.alerts] == [
        "cnv_0000000001",
        "cnv_0000000002",
        "cnv_0000000003",
    ]
    assert not found.complete
