"""The list as a CSV file (`/conversations.csv`), against the simulator: every page, both
ways of answering (Flownally's walk, the open-queue index), hostile cells, failures."""

from __future__ import annotations

import csv
import io

import pytest
from django.http import StreamingHttpResponse
from django.utils import timezone

from dashboard.accounts.roles import TEAM_LEAD, VIEWER
from dashboard.conversations.export import COLUMNS, INCOMPLETE
from dashboard.conversations.listing import CLOSED_AND_INDEX

pytestmark = pytest.mark.django_db

# Contact names and addresses a spreadsheet would run as formulas (OWASP's examples and
# the characters it lists), plus quotes and separators that must stay inside their cell.
HOSTILE = {
    "visitor-formula-1": "=cmd|' /C calc'!A0",
    "visitor-formula-2": "+SUM(1+1)*cmd|' /C calc'!A0",
    "visitor-formula-3": "-2+3+cmd|' /C calc'!A0",
    "visitor-formula-4": "@SUM(1+1)*cmd|' /C calc'!A0",
    "visitor-formula-5": "\t=1+1",
    "visitor-formula-6": "\r=1+1",
    "visitor-formula-7": 'Ann "the boss", ltd; =1+1\nsecond line',
    '=HYPERLINK("http://evil.example","click")': "Eve",
}


def download(client, query: str = "") -> tuple[list[str], list[list[str]]]:
    """(header, rows) of the file for `query`."""
    response = client.get(f"/conversations.csv{query}")
    assert response.status_code == 200, response.content.decode()[:500]
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    header, *rows = csv.reader(io.StringIO(text, newline=""))
    return header, rows


def spreadsheet_safe(value: str) -> str:
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def expected_row(conversation: dict, inboxes: dict[str, str], users: dict[str, str]) -> list[str]:
    assignee = conversation.get("assigneeId")
    return [
        conversation["id"],
        spreadsheet_safe(conversation["name"]),
        spreadsheet_safe(conversation["externalId"]),
        conversation["channel"],
        inboxes[conversation["inboxId"]],
        conversation["status"],
        users[assignee] if assignee else "",
        conversation.get("waitingSince") or "",
        conversation["lastMessageAt"],
        str(conversation["unreadCount"]),
    ]


def names(flownally, path: str) -> dict[str, str]:
    key = path.strip("/")
    return {item["id"]: item["name"] for item in flownally.api("GET", path).json()[key]}


@pytest.fixture
def viewer(flownally, client_as):
    return client_as(VIEWER)


def test_closed_conversations_are_every_page_of_flownallys_own_walk(flownally, viewer):
    truth = flownally.conversations(status=["closed"], sort="createdAt:desc")
    inboxes, users = names(flownally, "/inboxes"), names(flownally, "/users")
    header, rows = download(viewer, "?status=closed&size=10&sort=waitingSince:asc")
    assert header == list(COLUMNS)
    assert len(truth) > 100  # more than one of Flownally's largest pages
    assert rows == [expected_row(c, inboxes, users) for c in truth]


def test_without_filters_the_file_holds_every_conversation(flownally, viewer):
    truth = flownally.conversations(sort="createdAt:desc")
    _, rows = download(viewer)
    assert [row[0] for row in rows] == [c["id"] for c in truth]
    assert {row[5] for row in rows} == {"open", "pending", "closed"}


def test_the_team_reply_filter_reaches_flownally(flownally, viewer):
    truth = flownally.conversations(status=["open"], interacted="false", sort="createdAt:desc")
    _, rows = download(viewer, "?status=open&interacted=false")
    assert [row[0] for row in rows] == [c["id"] for c in truth] and truth


@pytest.mark.parametrize(
    ("query", "keep"),
    [
        ("?assignee=unassigned", lambda c: not c.get("assigneeId")),
        ("?channel=whatsapp", lambda c: c["channel"] == "whatsapp"),
        (
            "?channel=whatsapp&status=pending",
            lambda c: (c["channel"], c["status"]) == ("whatsapp", "pending"),
        ),
    ],
)
def test_index_filters_match_what_flownally_holds(flownally, viewer, query, keep):
    truth = [c for c in flownally.open_queue() if keep(c)]
    inboxes, users = names(flownally, "/inboxes"), names(flownally, "/users")
    _, rows = download(viewer, query)
    assert sorted(rows) == sorted(expected_row(c, inboxes, users) for c in truth)
    assert rows


def test_index_filters_with_open_and_closed_export_the_open_ones_as_the_list_shows(
    flownally, viewer
):
    truth = [c["id"] for c in flownally.open_queue() if c["channel"] == "sms"]
    _, rows = download(viewer, "?channel=sms&status=open&status=pending&status=closed")
    assert sorted(row[0] for row in rows) == sorted(truth)


def test_closed_alone_with_an_index_filter_is_refused_in_words(flownally, viewer):
    response = viewer.get("/conversations.csv?status=closed&channel=sms")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/plain")
    assert CLOSED_AND_INDEX in response.content.decode()


def test_cells_a_spreadsheet_would_run_are_neutralised_and_quoted(flownally, viewer):
    for address, name in HOSTILE.items():
        flownally.control(
            "POST",
            "inbound",
            {"channel": "webchat", "externalId": address, "name": name, "text": "hi"},
        )
    response = viewer.get("/conversations.csv?status=pending")
    raw = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = {row[2]: row for row in csv.reader(io.StringIO(raw, newline=""))}
    for address, name in HOSTILE.items():
        row = rows[spreadsheet_safe(address)]
        assert row[1] == spreadsheet_safe(name), row
    assert rows['\'=HYPERLINK("http://evil.example","click")'][1] == "Eve"
    # Every cell quoted: a `;` (Excel's separator in much of Europe) starts no new cell.
    assert "\"'=cmd|' /C calc'!A0\"" in raw
    assert '"Ann ""the boss"", ltd; =1+1\nsecond line"' in raw
    assert '"\'=HYPERLINK(""http://evil.example"",""click"")"' in raw
    assert "Mallory <img src=x onerror=alert(1)>" in {row[1] for row in rows.values()}
    assert not any(
        cell.startswith(("=", "+", "-", "@", "\t", "\r")) for row in rows.values() for cell in row
    )


def test_the_response_streams_a_dated_attachment(flownally, viewer):
    response = viewer.get("/conversations.csv?status=open")
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="conversations-{timezone.localdate():%Y-%m-%d}.csv"'
    )
    assert response["Cache-Control"] == "no-store"
    chunks = list(response.streaming_content)
    assert chunks[0].startswith("\ufeff".encode() + b'"ID","Contact"')


@pytest.mark.parametrize("role", [VIEWER, TEAM_LEAD])
def test_every_role_that_sees_the_list_may_download_it(flownally, client_as, role):
    assert client_as(role).get("/conversations.csv?status=pending").status_code == 200


def test_anonymous_is_sent_to_sign_in_and_no_role_is_refused(flownally, client, client_as):
    anonymous = client.get("/conversations.csv")
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/")
    assert client_as(None).get("/conversations.csv").status_code == 403


@pytest.mark.slow  # waits out retries or intervals in real time
def test_flownally_failing_before_the_first_row_is_a_plain_502(flownally, viewer):
    flownally.add_fault(kind="error", status=503, exact_path="/conversations")
    response = viewer.get("/conversations.csv?status=closed")
    assert response.status_code == 502
    assert response["Content-Type"].startswith("text/plain")
    assert "Flownally is not answering right now" in response.content.decode()


@pytest.mark.slow  # waits out retries or intervals in real time
def test_flownally_failing_mid_stream_ends_the_file_saying_it_is_incomplete(flownally, viewer):
    response = viewer.get("/conversations.csv?status=closed")
    # The first page is read before the answer starts; the second fails.
    flownally.add_fault(kind="error", status=503, exact_path="/conversations")
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    *rows, last = list(csv.reader(io.StringIO(text, newline="")))[1:]
    assert len(rows) == 100
    assert last[0].startswith(INCOMPLETE) and len(last) == 1
    assert "after 100 conversations" in last[0] and "download the file again" in last[0]


def test_the_list_links_to_the_file_with_its_filters(flownally, viewer):
    html = viewer.get("/?status=open&channel=sms&size=10").content.decode()
    assert 'href="/conversations.csv?status=open&amp;size=10&amp;channel=sms"' in html
    assert "Download CSV" in html
