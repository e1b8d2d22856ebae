"""Concurrent clients: the simulated latency is not served under a global lock, and
concurrent sends to one conversation all land, once each."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import requests

from dashboard.simulator.seed import REFERENCE_CONVERSATION_ID
from tests.support.simulator import TOKEN

AUTH = {"Authorization": f"Bearer {TOKEN}"}


def in_parallel(count: int, work) -> list:
    """Run work(n) on `count` threads, released together, each with its own Session."""
    barrier = threading.Barrier(count)

    def run(n: int):
        with requests.Session() as session:
            barrier.wait(timeout=30)
            return work(session, n)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


def test_concurrent_reads_overlap_during_the_simulated_latency(sim):
    sim.control("POST", "config", {"latencyMs": 300})
    ids = [
        item["id"]
        for item in sim.api("GET", "/conversations", params={"pageSize": 12}).json()[
            "conversations"
        ]
    ]
    assert len(ids) == 12
    sim.control("DELETE", "requests")

    def get(session: requests.Session, n: int) -> requests.Response:
        return session.get(f"{sim.base_url}/conversations/{ids[n]}", headers=AUTH, timeout=30)

    responses = in_parallel(12, get)
    assert [response.status_code for response in responses] == [200] * 12
    assert sorted(response.json()["id"] for response in responses) == sorted(ids)
    log = sim.request_log("GET /conversations/{id}")
    assert len(log) == 12
    assert all(entry["durationMs"] >= 300 for entry in log)
    first_end = min(entry["endedAt"] for entry in log)
    assert all(entry["startedAt"] < first_end for entry in log), (
        "a request started only after another had finished: the latency is served under a lock"
    )


def test_concurrent_sends_to_one_conversation_all_land_once(sim):
    sim.control("POST", "config", {"failRate": 0, "latencyMs": 50})
    details = sim.api("GET", f"/conversations/{REFERENCE_CONVERSATION_ID}").json()
    assert details["sendability"]["window"] == "open"
    before = sim.all_messages(REFERENCE_CONVERSATION_ID)

    def send(session: requests.Session, n: int) -> requests.Response:
        body = {"content": {"type": "text", "text": {"body": f"Concurrent reply {n}"}}}
        return session.post(
            f"{sim.base_url}/conversations/{REFERENCE_CONVERSATION_ID}/messages",
            json=body,
            headers=AUTH,
            timeout=30,
        )

    responses = in_parallel(30, send)
    assert [response.status_code for response in responses] == [202] * 30, [
        r.text for r in responses if r.status_code != 202
    ]
    sent_ids = [response.json()["message"]["id"] for response in responses]
    assert len(set(sent_ids)) == 30
    after = sim.all_messages(REFERENCE_CONVERSATION_ID)
    assert len(after) == len(before) + 30
    assert len({message["id"] for message in after}) == len(after)
    assert set(sent_ids) <= {message["id"] for message in after}
    bodies = sorted(
        message["content"]["text"]["body"] for message in after if message["id"] in set(sent_ids)
    )
    assert bodies == sorted(f"Concurrent reply {n}" for n in range(30))
    assert all(
        response.json()["message"]["conversationId"] == REFERENCE_CONVERSATION_ID
        for response in responses
    )
    final = sim.api("GET", f"/conversations/{REFERENCE_CONVERSATION_ID}").json()
    assert final["lastMessageSender"] == "user"
    assert final["waitingSince"] is None


def test_concurrent_list_walks_each_see_every_conversation_once(sim):
    sim.control("POST", "config", {"latencyMs": 20})
    total = sim.control("GET", "health")["conversations"]

    def walk(session: requests.Session, n: int) -> list[str]:
        ids, token = [], None
        while True:
            params = {"pageSize": 25} | ({"pageToken": token} if token else {})
            response = session.get(
                f"{sim.base_url}/conversations", params=params, headers=AUTH, timeout=30
            )
            assert response.status_code == 200, response.text
            ids += [item["id"] for item in response.json()["conversations"]]
            token = response.json().get("nextPageToken")
            if not token:
                return ids

    walks = in_parallel(6, walk)
    for ids in walks:
        assert len(ids) == len(set(ids)) == total
    assert all(ids == walks[0] for ids in walks)
