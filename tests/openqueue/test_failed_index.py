"""The open-queue index keeps the failed deliveries it finds, not only their count."""

from __future__ import annotations

import pytest

from dashboard.openqueue import walk
from dashboard.simulator.seed import REFERENCE_CONVERSATION_ID

pytestmark = pytest.mark.django_db


def _send(sim, body: str) -> str:
    answer = sim.api(
        "POST",
        f"/conversations/{REFERENCE_CONVERSATION_ID}/messages",
        json={"content": {"type": "text", "text": {"body": body}}},
    )
    assert answer.status_code == 202, answer.text
    return answer.json()["message"]["id"]


def test_the_index_keeps_each_failed_message_newest_failure_first(flownally, settings):
    settings.WALLBOARD_FAILED_SCAN = 200
    flownally.control("POST", "config", {"failRate": 0})
    first, second = _send(flownally, "First try"), _send(flownally, "Second try")
    flownally.control(
        "POST",
        f"messages/{second}/delivery",
        {"deliveryStatus": "failed", "failureCode": "window_closed"},
    )
    flownally.advance(5)
    flownally.control("POST", f"messages/{first}/delivery", {"deliveryStatus": "failed"})

    index = walk.compute()

    assert index.failed_deliveries == len(index.failed) >= 2
    assert [f.failed_at for f in index.failed] == sorted(
        (f.failed_at for f in index.failed), reverse=True
    )
    mine = [f for f in index.failed if f.message_id in (first, second)]
    assert [f.message_id for f in mine] == [first, second]  # the later failure first
    assert mine[1].conversation_id == REFERENCE_CONVERSATION_ID
    assert (mine[1].code, mine[1].kind, mine[1].channel) == ("window_closed", "text", "whatsapp")
    assert mine[1].reason == "The 24-hour customer service window closed before delivery."
    assert mine[1].contact == "Anna Kowalska"


def test_a_message_that_did_not_fail_is_not_kept(flownally, settings):
    settings.WALLBOARD_FAILED_SCAN = 200
    flownally.control("POST", "config", {"failRate": 0})
    sent = _send(flownally, "Fine")
    flownally.control("POST", f"messages/{sent}/delivery", {"deliveryStatus": "delivered"})
    assert sent not in {f.message_id for f in walk.compute().failed}
