"""The simulator's clock (frozen, advanced, never backwards), the customers who write in as
it moves, and determinism: the same seed, start time and advances give the same tenant."""

from __future__ import annotations

from datetime import datetime, timedelta

from dashboard.simulator.seed import HOSTILE_CONVERSATION_ID, REFERENCE_CONVERSATION_ID

START = "2026-04-30T10:36:00Z"


def ts(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def now_ms(sim) -> int:
    return sim.control("GET", "health")["now"]


def clock(sim) -> dict:
    return sim.control("GET", "clock")


def walk(sim, **params) -> list[dict]:
    items, token = [], None
    while True:
        query = {"pageSize": 100, **params} | ({"pageToken": token} if token else {})
        response = sim.api("GET", "/conversations", params=query)
        assert response.status_code == 200, response.text
        items += response.json()["conversations"]
        token = response.json().get("nextPageToken")
        if not token:
            return items


def first_page(sim) -> dict:
    response = sim.api("GET", "/conversations", params={"pageSize": 50})
    assert response.status_code == 200, response.text
    return response.json()


# --- the clock -----------------------------------------------------------------------------


def test_a_frozen_clock_does_not_move_between_requests(sim):
    before = clock(sim)
    assert before["frozen"] is True
    start = now_ms(sim)
    walk(sim)
    sim.api("GET", f"/conversations/{REFERENCE_CONVERSATION_ID}/messages")
    assert clock(sim) == before
    assert now_ms(sim) == start


def test_the_clock_reports_the_same_instant_in_iso_and_milliseconds(sim):
    now = clock(sim)["now"]
    assert now.endswith("Z")
    assert int(ts(now).timestamp() * 1000) == now_ms(sim)


def test_advancing_moves_the_clock_by_exactly_that_many_seconds(sim):
    start = now_ms(sim)
    sim.advance(3600)
    assert now_ms(sim) == start + 3_600_000
    sim.advance(0.25)
    assert now_ms(sim) == start + 3_600_250
    sim.advance(0)
    assert now_ms(sim) == start + 3_600_250


def test_the_clock_answer_to_an_advance_is_the_new_time(sim):
    start = ts(clock(sim)["now"])
    response = sim.session.post(f"{sim.root}/_sim/clock", json={"advanceSeconds": 90}, timeout=10)
    assert response.status_code == 200, response.text
    assert ts(response.json()["now"]) == start + timedelta(seconds=90)


def test_setting_the_clock_forward_moves_it_to_that_time(sim):
    target = ts(clock(sim)["now"]) + timedelta(days=2)
    sim.control("POST", "clock", {"set": target.isoformat().replace("+00:00", "Z")})
    assert ts(clock(sim)["now"]) == target


def test_the_clock_refuses_to_go_backwards(sim):
    start = clock(sim)
    refused = sim.session.post(f"{sim.root}/_sim/clock", json={"advanceSeconds": -1}, timeout=10)
    assert refused.status_code == 422, refused.text
    assert refused.json()["error"]["code"] == "validation_failed"
    earlier = (ts(start["now"]) - timedelta(minutes=5)).isoformat().replace("+00:00", "Z")
    refused = sim.session.post(f"{sim.root}/_sim/clock", json={"set": earlier}, timeout=10)
    assert refused.status_code == 422, refused.text
    assert clock(sim) == start


def test_api_timestamps_come_from_the_simulator_clock(sim):
    sim.advance(7200)
    now = clock(sim)["now"]
    sent = sim.api(
        "POST",
        f"/conversations/{REFERENCE_CONVERSATION_ID}/messages",
        json={
            "content": {"type": "template", "template": {"name": "order_ready", "language": "en"}}
        },
    )
    assert sent.status_code == 202, sent.text
    assert sent.json()["message"]["createdAt"] == now
    assert sent.json()["conversation"]["lastMessageAt"] == now


def test_delivery_moves_with_the_clock_not_with_wall_time(sim):
    sim.control("POST", "config", {"failRate": 0, "readRate": 1})
    sent = sim.api(
        "POST",
        f"/conversations/{HOSTILE_CONVERSATION_ID}/messages",
        json={"content": {"type": "text", "text": {"body": "Hello"}}},
    )
    assert sent.status_code == 202, sent.text
    message_id = sent.json()["message"]["id"]
    assert sent.json()["message"]["deliveryStatus"] == "pending"
    walk(sim)  # some wall time passes; the frozen clock does not
    assert (
        sim.api("GET", f"/messages/{message_id}").json()["message"]["deliveryStatus"] == "pending"
    )
    sim.advance(60)
    assert sim.api("GET", f"/messages/{message_id}").json()["message"]["deliveryStatus"] == "read"


# --- background traffic --------------------------------------------------------------------


def test_without_traffic_advancing_the_clock_changes_nothing(sim):
    before = sim.control("GET", "health")
    items = walk(sim)
    sim.advance(3600)
    after = sim.control("GET", "health")
    assert after["conversations"] == before["conversations"]
    assert after["byStatus"] == before["byStatus"]
    assert walk(sim) == items


def test_with_traffic_customers_write_in_as_the_clock_moves(sim):
    sim.reset(trafficPerMinute=60)
    before = sim.control("GET", "health")
    items = walk(sim)
    latest = max(ts(item["lastMessageAt"]) for item in items)
    sim.advance(600)
    after = sim.control("GET", "health")
    assert after["conversations"] > before["conversations"], "no new conversation appeared"
    assert after["byStatus"] != before["byStatus"]
    now_items = walk(sim)
    new = [item for item in now_items if item["id"] not in {i["id"] for i in items}]
    assert len(new) == after["conversations"] - before["conversations"]
    assert max(ts(item["lastMessageAt"]) for item in now_items) > latest
    for item in new:
        assert item["lastMessageSender"] == "customer"
        assert item["status"] in ("pending", "open")  # a new one is pending until picked up
        assert item["waitingSince"] is not None
    old_moved = [
        item
        for item in now_items
        if item["id"] in {i["id"] for i in items} and ts(item["lastMessageAt"]) > latest
    ]
    assert old_moved, "no existing conversation got a customer reply"


def test_traffic_messages_are_customer_messages_stamped_with_the_clock(sim):
    sim.reset(trafficPerMinute=60)
    start = ts(clock(sim)["now"])
    known = {item["id"] for item in walk(sim)}
    sim.advance(300)
    end = ts(clock(sim)["now"])
    new = [item for item in walk(sim) if item["id"] not in known]
    assert new
    for item in new[:5]:
        history = sim.api("GET", f"/conversations/{item['id']}/messages").json()["messages"]
        assert history
        assert all(message["senderType"] == "customer" for message in history)
        assert all(message["deliveryStatus"] == "received" for message in history)
        assert all(start < ts(message["createdAt"]) <= end for message in history)


def test_traffic_stops_when_its_rate_is_set_to_zero(sim):
    sim.reset(trafficPerMinute=60)
    sim.advance(60)
    sim.control("POST", "config", {"trafficPerMinute": 0})
    before = sim.control("GET", "health")
    sim.advance(600)
    after = sim.control("GET", "health")
    assert after["conversations"] == before["conversations"]
    assert after["byStatus"] == before["byStatus"]


# --- determinism ---------------------------------------------------------------------------


def test_two_resets_with_the_same_seed_and_advances_give_identical_first_pages(sim):
    pages = []
    for _ in range(2):
        sim.reset(seed=7, startTime=START)
        sim.advance(120)
        pages.append(first_page(sim))
    assert pages[0] == pages[1]
    assert pages[0]["conversations"]


def test_two_resets_with_the_same_seed_traffic_and_advances_give_identical_first_pages(sim):
    pages = []
    for _ in range(2):
        sim.reset(seed=7, startTime=START, trafficPerMinute=30)
        sim.advance(300)
        sim.advance(300)
        pages.append(first_page(sim))
    assert [item["id"] for item in pages[0]["conversations"]] == [
        item["id"] for item in pages[1]["conversations"]
    ]
    assert pages[0] == pages[1]


def test_the_same_seed_gives_the_same_ids_whatever_the_start_time(sim):
    sim.reset(seed=7, startTime=START)
    first = [item["id"] for item in walk(sim, sort="createdAt:desc")]
    sim.reset(seed=7, startTime="2027-01-01T00:00:00Z")
    assert [item["id"] for item in walk(sim, sort="createdAt:desc")] == first


def test_a_different_seed_gives_different_ids(sim):
    sim.reset(seed=7, startTime=START)
    seven = {item["id"] for item in walk(sim)}
    sim.reset(seed=8, startTime=START)
    eight = {item["id"] for item in walk(sim)}
    assert len(eight) == len(seven)
    # Only the two hand-made conversations (the reference's and the hostile one) are shared.
    assert seven & eight == {REFERENCE_CONVERSATION_ID, HOSTILE_CONVERSATION_ID}
