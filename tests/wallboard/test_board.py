"""The wallboard page against a real simulator: its numbers, its outages."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from django.utils.html import escape

from dashboard.accounts.roles import SUPERVISOR, TEAM_LEAD, VIEWER
from dashboard.openqueue import index, walk
from dashboard.simulator.seed import HOSTILE_CONVERSATION_ID
from tests.support.waiting import until

pytestmark = pytest.mark.django_db


def metric(response, name: str) -> str:
    found = re.search(rf'data-metric="{name}">([^<]*)<', response.content.decode())
    assert found, f"no {name} on the board"
    return found[1]


def open_conversations(sim) -> list[dict]:
    """What the board must count, read straight from the simulator."""
    items, token = [], None
    while True:
        query = {"status": ["open", "pending"], "pageSize": 100} | (
            {"pageToken": token} if token else {}
        )
        body = sim.api("GET", "/conversations", params=query).json()
        items += body["conversations"]
        if not (token := body.get("nextPageToken")):
            return items


@pytest.mark.parametrize("role", [VIEWER, TEAM_LEAD, SUPERVISOR])
def test_every_role_sees_the_queue_as_flownally_has_it(flownally, client_as, role):
    truth = open_conversations(flownally)
    response = client_as(role).get("/wallboard/")
    assert response.status_code == 200
    assert int(metric(response, "open")) == len(truth)
    assert int(metric(response, "pending")) == sum(c["status"] == "pending" for c in truth)
    assert int(metric(response, "waiting")) == sum(bool(c.get("waitingSince")) for c in truth)
    assert int(metric(response, "unassigned")) == sum(not c.get("assigneeId") for c in truth)
    assert 0 < len(truth) < 200  # the fixture tenant has both open and closed conversations


def test_the_board_names_team_members_channels_and_inboxes(flownally, client_as):
    truth = open_conversations(flownally)
    html = client_as(VIEWER).get("/wallboard/").content.decode()
    users = {u["id"]: u["name"] for u in flownally.api("GET", "/users").json()["users"]}
    busiest, count = Counter(c["assigneeId"] for c in truth if c.get("assigneeId")).most_common(1)[
        0
    ]
    assert re.search(
        rf"<th scope=\"row\">{re.escape(users[busiest])}</th><td>{count}</td>", html
    ), "the busiest team member and their open count"
    channel, count = Counter(c["channel"] for c in truth).most_common(1)[0]
    assert f'<th scope="row">{channel}</th><td>{count}</td>' in html
    assert "Waiting longest" in html and "Updated" in html


def test_the_longest_waiting_are_listed_longest_first_and_hostile_names_stay_text(
    flownally, client_as
):
    truth = [c for c in open_conversations(flownally) if c.get("waitingSince")]
    html = client_as(VIEWER).get("/wallboard/").content.decode()
    longest = sorted(truth, key=lambda c: (c["waitingSince"], c["id"]))[: walk.LONGEST]
    shown = re.findall(r'<span class="who">(?:<a href="[^"]*">)?([^<]*)(?:</a>)?</span>', html)
    assert shown == [
        escape(c.get("name") or c.get("contactName") or c["externalId"]) for c in longest
    ]
    if any(c["id"] == HOSTILE_CONVERSATION_ID for c in longest):
        assert "Mallory &lt;img src=x onerror=alert(1)&gt;" in html
    assert "<img src=x" not in html


def test_a_refresh_within_the_interval_asks_flownally_nothing(flownally, client_as, settings):
    settings.WALLBOARD_REFRESH_SECONDS = 60
    client = client_as(VIEWER)
    client.get("/wallboard/")
    before = len(flownally.request_log())
    for _ in range(5):
        assert client.get("/wallboard/refresh/", headers={"HX-Request": "true"}).status_code == 200
    assert len(flownally.request_log()) == before


def test_one_refresh_reads_every_page_once_and_a_bounded_number_of_message_pages(
    flownally, client_as, settings
):
    settings.WALLBOARD_FAILED_SCAN = 3
    flownally.reset(conversations=450)  # more than one page of 100 in some partitions
    client_as(VIEWER).get("/wallboard/")
    log = flownally.request_log()
    listed = [e for e in log if e["path"] == "/v1/conversations"]
    pages = {}
    for partition in walk.PARTITIONS:
        query = {"status": partition["status"], "interacted": str(partition["interacted"]).lower()}
        body = {"conversations": [None] * 100, "nextPageToken": "x"}
        token, count = None, 0
        while body.get("nextPageToken"):
            body = flownally.api(
                "GET",
                "/conversations",
                params=query
                | {"sort": "createdAt:desc", "pageSize": 100}
                | ({"pageToken": token} if token else {}),
            ).json()
            token, count = body.get("nextPageToken"), count + 1
        pages[partition["status"][0], partition["interacted"]] = count
    assert len(listed) == sum(pages.values())
    assert max(pages.values()) >= 2
    assert len([e for e in log if e["path"].endswith("/messages")]) <= 3


def test_failed_deliveries_in_the_window_are_counted(flownally, client_as, settings):
    settings.WALLBOARD_FAILED_SCAN = 200
    truth = open_conversations(flownally)
    since = datetime.now(UTC) - timedelta(minutes=settings.WALLBOARD_FAILED_WINDOW_MINUTES)
    recent = [
        c
        for c in truth
        if datetime.fromisoformat(c["lastMessageAt"].replace("Z", "+00:00")) >= since
    ]
    expected = 0
    for conversation in recent:
        for m in flownally.all_messages(conversation["id"])[:25]:
            changed = datetime.fromisoformat(
                (m.get("updatedAt") or m["createdAt"]).replace("Z", "+00:00")
            )
            expected += m["deliveryStatus"] == "failed" and changed >= since
    # Make one more fail now, in the most recently active conversation.
    newest = max(recent, key=lambda c: c["lastMessageAt"])
    outbound = next(
        m
        for m in flownally.all_messages(newest["id"])
        if m["senderType"] != "customer" and m["deliveryStatus"] != "failed"
    )
    flownally.control("POST", f"messages/{outbound['id']}/delivery", {"deliveryStatus": "failed"})
    response = client_as(VIEWER).get("/wallboard/")
    assert int(metric(response, "failed")) == expected + 1


@pytest.mark.slow  # waits out Retry-After: 1 s of each injected 503 before retrying (~4 s)
def test_an_outage_keeps_the_last_numbers_marked_stale_then_recovers(
    flownally, client_as, settings
):
    settings.OPEN_QUEUE_REFRESH_SECONDS = 1  # a walk every second, in the background
    # The walk's failures open the circuit: recovery waits out its cool-off (10 s by default).
    settings.FLOWNALLY_CIRCUIT_OPEN_SECONDS = 0.5
    client = client_as(VIEWER)
    first = client.get("/wallboard/")
    assert "is-stale" not in first.content.decode()
    flownally.add_fault(kind="error", status=503)
    until(lambda: index.stored()[1] is not None)  # the next walk failed
    stale = client.get("/wallboard/refresh/")
    assert stale.status_code == 200
    assert "Flownally is not answering: these numbers are from" in stale.content.decode()
    assert 'class="board is-stale"' in stale.content.decode()
    assert metric(stale, "open") == metric(first, "open")
    assert "Traceback" not in stale.content.decode()

    flownally.control("DELETE", "faults")
    until(lambda: index.stored()[1] is None)  # a walk succeeded again
    recovered = client.get("/wallboard/refresh/")
    assert "Flownally is not answering" not in recovered.content.decode()
    assert "is-stale" not in recovered.content.decode()
    assert metric(recovered, "open") == metric(first, "open")


@pytest.mark.slow  # waits out Retry-After: 1 s of each injected 503 before retrying (~2 s)
def test_a_board_that_never_had_numbers_says_flownally_is_not_answering(flownally, client_as):
    flownally.add_fault(kind="error", status=503)
    response = client_as(VIEWER).get("/wallboard/")
    assert response.status_code == 200
    assert "Flownally is not answering yet." in response.content.decode()
    assert 'hx-trigger="every' in response.content.decode()  # and it keeps trying


def test_the_refresh_answers_only_the_board(flownally, client_as):
    response = client_as(VIEWER).get("/wallboard/refresh/", headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.lstrip().startswith('<main id="board"')
    assert "<html" not in html
    assert response["Cache-Control"].startswith("max-age=0")


def test_sign_in_is_required_and_a_role_too(flownally, client, client_as):
    assert client.get("/wallboard/").status_code == 302
    expired = client.get("/wallboard/refresh/", headers={"HX-Request": "true"})
    assert expired.status_code == 200 and expired["HX-Refresh"] == "true"
    nobody = client_as(None)
    assert nobody.get("/wallboard/").status_code == 403
    assert nobody.get("/wallboard/refresh/").status_code == 403


def test_the_board_is_read_only(flownally, client_as):
    client = client_as(SUPERVISOR)
    assert client.post("/wallboard/").status_code == 405
    assert client.post("/wallboard/refresh/").status_code == 405
    html = client.get("/wallboard/").content.decode()
    assert "<form" not in html and "<button" not in html
    # Its only links lead to pages: the dashboard, the failed deliveries and the waiting
    # conversations.
    links = re.findall(r'<a [^>]*href="([^"]*)"', html)
    assert links and all(
        h in ("/", "/failed/") or re.fullmatch(r"/conversations/cnv_\w+/", h) for h in links
    )


def test_signed_in_the_failed_tile_opens_the_failed_deliveries(flownally, client_as):
    html = client_as(VIEWER).get("/wallboard/").content.decode()
    assert re.search(
        r'<a class="tile[^"]*" href="/failed/"><span class="label">Failed</span>', html
    )


def test_signed_in_the_board_leads_back_and_its_waiting_rows_open_their_conversation(
    flownally, client_as
):
    html = client_as(VIEWER).get("/wallboard/").content.decode()
    assert '<a class="back" href="/">' in html
    waiting = [c for c in open_conversations(flownally) if c.get("waitingSince")]
    first = min(waiting, key=lambda c: (c["waitingSince"], c["id"]))
    assert f'<span class="who"><a href="/conversations/{first["id"]}/">' in html
