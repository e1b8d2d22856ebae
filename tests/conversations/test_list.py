"""The conversation list at `/`, against the simulator."""

from __future__ import annotations

from urllib.parse import parse_qs

import pytest

from dashboard.accounts.roles import SUPERVISOR, TEAM_LEAD, VIEWER
from dashboard.simulator.seed import HOSTILE_CONVERSATION_ID, REFERENCE_CONVERSATION_ID

pytestmark = pytest.mark.django_db
NEWEST = "/?sort=lastMessageAt:desc"  # the newest activity first, as these tests expect


def _ids(response) -> list[str]:
    return [row["conv"].id for row in response.context["rows"]]


@pytest.mark.parametrize("role", [SUPERVISOR, TEAM_LEAD, VIEWER])
def test_every_role_sees_the_list(flownally, client_as, role):
    response = client_as(role).get("/")
    assert response.status_code == 200
    assert len(response.context["rows"]) == 25


def test_an_account_without_a_role_is_refused(flownally, client_as):
    assert client_as(None).get("/").status_code == 403


def test_rows_name_the_contact_inbox_assignee_and_who_spoke_last(flownally, client_as):
    text = client_as(VIEWER).get("/?size=100").content.decode()
    assert "Anna Kowalska" in text and "Support WhatsApp" in text and "Marta Zielińska" in text
    assert "Customer:</span> Thanks, I will check it now." in text


def test_the_status_filter_takes_several_statuses(flownally, client_as):
    response = client_as(VIEWER).get("/?status=pending&status=closed&size=100")
    statuses = {row["conv"].status for row in response.context["rows"]}
    assert statuses == {"pending", "closed"}
    assert [e for e in flownally.request_log("GET /conversations")][-1]["query"].count(
        "status="
    ) == 2


def test_the_interacted_filter_reaches_flownally(flownally, client_as):
    client_as(VIEWER).get("/?interacted=false")
    assert "interacted=false" in flownally.request_log("GET /conversations")[-1]["query"]


def test_by_default_the_longest_waiting_come_first(flownally, client_as):
    response = client_as(VIEWER).get("/?size=50")
    rows = response.context["rows"]
    waits = [row["conv"].waiting_since for row in rows if row["conv"].waiting_since]
    assert waits == sorted(waits) and rows[0]["conv"].waiting_since is not None
    assert "sort=waitingSince%3Aasc" in flownally.request_log("GET /conversations")[-1]["query"]
    assert '<option value="waitingSince:asc" selected>Longest waiting</option>' in (
        response.content.decode()
    )


def test_newest_activity_is_one_choice_away(flownally, client_as):
    rows = client_as(VIEWER).get("/?sort=lastMessageAt:desc&size=50").context["rows"]
    times = [row["conv"].last_message_at for row in rows]
    assert times == sorted(times, reverse=True)


def test_bad_values_in_a_link_are_dropped_with_a_notice(flownally, client_as):
    response = client_as(VIEWER).get("/?status=bogus&size=7&sort=<script>")
    assert response.status_code == 200
    assert len(response.context["rows"]) == 25
    assert any("invalid" in notice for notice in response.context["notices"])
    assert "<script>" not in response.content.decode().split("<main", 1)[1].split("</form>", 1)[0]


def test_next_and_previous_walk_the_pages_and_keep_the_filters(flownally, client_as):
    client = client_as(VIEWER)
    first = client.get("/?status=closed&size=10")
    second = client.get("/?" + first.context["next_state"].query())
    third = client.get("/?" + second.context["next_state"].query())
    assert {row["conv"].status for row in third.context["rows"]} == {"closed"}
    assert third.context["state"].page_number == 3
    back = client.get("/?" + third.context["previous_state"].query())
    assert _ids(back) == _ids(second)
    assert _ids(client.get("/?" + back.context["previous_state"].query())) == _ids(first)
    assert len(set(_ids(first) + _ids(second) + _ids(third))) == 30


def test_a_cursor_flownally_refuses_restarts_at_the_first_page(flownally, client_as):
    response = client_as(VIEWER).get("/?cursor=not-a-real-token")
    assert response.status_code == 200
    assert response.context["state"].first_page
    assert "no longer available" in " ".join(response.context["notices"])


def test_an_htmx_refresh_renders_only_the_results(flownally, client_as):
    response = client_as(VIEWER).get(
        "/", headers={"HX-Request": "true", "HX-Target": "conversation-results"}
    )
    text = response.content.decode()
    assert text.lstrip().startswith('<div id="conversation-results"')
    assert "<html" not in text and "list-filters" not in text


def test_only_the_first_page_refreshes_itself(flownally, client_as):
    client = client_as(VIEWER)
    first = client.get("/")
    assert 'data-poll="list"' in first.content.decode()
    second = client.get("/?" + first.context["next_state"].query())
    assert 'data-poll="list"' not in second.content.decode()


def test_a_refresh_link_keeps_the_filters(flownally, client_as):
    text = client_as(VIEWER).get("/?status=open&sort=lastMessageAt:desc").content.decode()
    poll_url = text.split('hx-get="/?', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    assert parse_qs(poll_url) == {"status": ["open"], "sort": ["lastMessageAt:desc"]}


def test_customer_markup_is_shown_as_text(flownally, client_as):
    flownally.control(
        "POST",
        "inbound",
        {"conversationId": HOSTILE_CONVERSATION_ID, "text": "<img src=x onerror=alert(1)>"},
    )
    text = client_as(VIEWER).get(NEWEST).content.decode()
    assert "<img src=x onerror" not in text
    assert "&lt;img src=x onerror=alert(1)&gt;" in text
    assert "Mallory &lt;img" in text


def test_an_outage_is_explained_without_a_stack_trace(flownally, client_as, settings):
    settings.FLOWNALLY_API_URL = "http://127.0.0.1:9/v1"
    response = client_as(VIEWER).get("/")
    assert response.status_code == 502
    text = response.content.decode()
    assert 'data-poll="list"' in text  # it keeps trying, and recovers by itself
    assert "Flownally is not answering right now" in text and "FLOWNALLY_API_URL" in text
    assert "Traceback" not in text


def test_a_refused_token_is_shown_as_a_configuration_problem(flownally, client_as, settings):
    settings.FLOWNALLY_API_TOKEN = "wrong"
    text = client_as(VIEWER).get("/").content.decode()
    assert "refused the dashboard" in text and "FLOWNALLY_API_TOKEN" in text


@pytest.mark.slow  # waits out Retry-After: 1 s of each injected 503 before retrying (~2 s)
def test_during_an_outage_the_last_good_list_is_shown_marked_stale(
    flownally, client_as, monkeypatch
):
    client = client_as(VIEWER)
    assert REFERENCE_CONVERSATION_ID in _ids(client.get(NEWEST))
    import dashboard.flownally.cache as cache

    later = cache.now() + 60
    monkeypatch.setattr(cache, "now", lambda: later)
    flownally.add_fault(kind="error", status=503)
    response = client.get(NEWEST)
    assert response.status_code == 200
    assert REFERENCE_CONVERSATION_ID in _ids(response)
    assert (
        "Flownally is not answering. Showing the list as it was 60 s ago."
        in response.content.decode()
    )


def test_an_empty_result_says_so(flownally, client_as):
    flownally.reset(conversations=0)
    for conversation_id in (REFERENCE_CONVERSATION_ID, HOSTILE_CONVERSATION_ID):
        flownally.api("POST", f"/conversations/{conversation_id}/close")
    text = client_as(VIEWER).get("/?status=pending").content.decode()
    assert "No conversations match these filters." in text
