"""Keyset pagination over a large tenant: 10,000 conversations, every page at pageSize 100."""

from __future__ import annotations

from datetime import datetime

import pytest

CONVERSATIONS = 10_000


def ts(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def walk(sim, sort: str) -> list[dict]:
    items, token, pages = [], None, 0
    while True:
        params = {"pageSize": 100, "sort": sort} | ({"pageToken": token} if token else {})
        response = sim.api("GET", "/conversations", params=params)
        assert response.status_code == 200, response.text
        body = response.json()
        pages += 1
        assert pages <= CONVERSATIONS // 100 + 2, "more pages than the tenant can fill"
        token = body.get("nextPageToken")
        if token:
            assert len(body["conversations"]) == 100, "only the last page may be short"
        items += body["conversations"]
        if not token:
            return items


@pytest.fixture
def big(sim):
    sim.reset(conversations=CONVERSATIONS)
    return sim


@pytest.mark.parametrize("sort", ["lastMessageAt:desc", "createdAt:desc"])
def test_a_walk_over_ten_thousand_conversations_lists_each_once_in_order(big, sort):
    items = walk(big, sort)
    total = big.control("GET", "health")["conversations"]
    assert total == CONVERSATIONS + 2  # the generated ones and the two hand-made ones
    ids = [item["id"] for item in items]
    assert len(ids) == total
    assert len(set(ids)) == total, "a conversation was listed twice"
    field = "lastMessageAt" if sort.startswith("lastMessageAt") else "createdAt"
    times = [ts(item[field]) for item in items]
    assert times == sorted(times, reverse=True)
