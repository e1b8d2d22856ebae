"""The list's filters Flownally lacks, answered from the open-queue index: each one's
matches and counts equal what a walk of the simulator's own list gives."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

import pytest
from django.contrib.auth import get_user_model

from dashboard.accounts.models import Member
from dashboard.accounts.roles import TEAM_LEAD
from dashboard.conversations.listing import CLOSED_AND_INDEX
from dashboard.flownally.models import Conversation

pytestmark = pytest.mark.django_db


def waited_over(conversation: dict, minutes: int, at: float) -> bool:
    since = conversation.get("waitingSince")
    if not since:
        return False
    return at - datetime.fromisoformat(since.replace("Z", "+00:00")).timestamp() > minutes * 60


def found(response) -> list[str]:
    assert response.status_code == 200, response.content.decode()[:500]
    return sorted(c.id for c in response.context["found"].matches)


def counts(response, menu: str) -> dict[str, int]:
    return {o["value"]: o["count"] for o in response.context["menus"][menu] if o["count"]}


@pytest.fixture
def lead(flownally, client_as):
    return client_as(TEAM_LEAD)


def test_unassigned_and_one_members_conversations_match_flownally(flownally, lead):
    truth = flownally.open_queue()
    unassigned = lead.get("/?assignee=unassigned")
    assert found(unassigned) == sorted(c["id"] for c in truth if not c.get("assigneeId"))
    by_member = Counter(c.get("assigneeId") or "unassigned" for c in truth)
    assert counts(unassigned, "assignee") == dict(by_member)
    busiest, count = Counter(c["assigneeId"] for c in truth if c.get("assigneeId")).most_common(1)[
        0
    ]
    theirs = lead.get(f"/?assignee={busiest}")
    assert found(theirs) == sorted(c["id"] for c in truth if c.get("assigneeId") == busiest)
    assert len(found(theirs)) == count
    both = lead.get(f"/?assignee={busiest}&assignee=unassigned")
    assert len(found(both)) == count + by_member["unassigned"]


def test_channel_inbox_and_waiting_combine_as_flownally_would(flownally, lead):
    truth = flownally.open_queue()
    whatsapp = lead.get("/?channel=whatsapp")
    assert found(whatsapp) == sorted(c["id"] for c in truth if c["channel"] == "whatsapp")
    assert counts(whatsapp, "channel") == dict(Counter(c["channel"] for c in truth))
    inbox = Counter(c["inboxId"] for c in truth).most_common(1)[0][0]
    response = lead.get(f"/?inbox={inbox}&waiting=15&status=open")
    at = response.context["queue"].index.started_at
    expected = [
        c["id"]
        for c in truth
        if c["inboxId"] == inbox and c["status"] == "open" and waited_over(c, 15, at)
    ]
    assert found(response) == sorted(expected) and expected
    waiting_counts = {o["value"]: o["count"] for o in response.context["menus"]["waiting"]}
    for minutes, n in waiting_counts.items():
        assert n == sum(
            c["inboxId"] == inbox and c["status"] == "open" and waited_over(c, minutes, at)
            for c in truth
        )


def test_search_ignores_case_and_accents(flownally, lead):
    truth = flownally.open_queue()
    anna = lead.get("/?q=kowalska")
    assert "Anna Kowalska" in {c.name for c in anna.context["found"].matches}
    accented = next(c for c in truth if any(ch in c["name"] for ch in "łńóśźżąęŁŚŻ"))
    plain = accented["name"].lower().translate(str.maketrans("łńóśźżąęćŁŚŻ", "lnoszzaeclsz"))
    response = lead.get("/", {"q": plain})
    assert accented["id"] in found(response)
    by_id = lead.get("/", {"q": accented["id"].upper()})
    assert found(by_id) == [accented["id"]]
    by_address = lead.get("/", {"q": accented["externalId"]})
    assert accented["id"] in found(by_address)


def test_the_index_list_pages_through_every_match_and_says_how_old_it_is(flownally, lead):
    truth = flownally.open_queue()
    seen: list[str] = []
    url = "/?assignee=unassigned&size=10&sort=waitingSince:asc"
    while url:
        response = lead.get(url)
        assert "as of" in response.content.decode()
        seen += [row["conv"].id for row in response.context["rows"]]
        url = (
            f"/?{response.context['next_state'].query()}" if response.context["next_state"] else ""
        )
    assert sorted(seen) == sorted(c["id"] for c in truth if not c.get("assigneeId"))
    assert len(seen) == len(set(seen)) > 10


def test_closed_with_an_index_filter_says_flownally_cannot(flownally, lead):
    closed = lead.get("/?status=closed&channel=sms")
    html = closed.content.decode()
    assert closed.status_code == 200 and CLOSED_AND_INDEX in html
    assert closed.context.get("rows") is None
    mixed = lead.get("/?status=closed&status=open&channel=sms")
    assert CLOSED_AND_INDEX in mixed.content.decode()
    assert {c.status for c in mixed.context["found"].matches} == {"open"}


def test_bad_filter_values_are_dropped_with_a_notice(flownally, lead):
    response = lead.get("/?assignee=<script>&channel=fax&inbox=x&waiting=-3&q=" + "x" * 300)
    assert response.status_code == 200
    notices = " ".join(response.context["notices"])
    for name in ("assignee", "channel", "inbox", "waiting", "q"):
        assert f"invalid {name}" in notices
    assert "<script>" not in response.content.decode()


def test_me_without_a_linked_account_says_so(flownally, lead):
    response = lead.get("/?assignee=me")
    assert found(response) == []
    assert "not linked to a Flownally team member" in response.content.decode()


def test_a_conversation_is_shown_from_the_index_with_its_names(flownally, lead):
    response = lead.get("/?channel=whatsapp&size=100")
    row = response.context["rows"][0]
    assert isinstance(row["conv"], Conversation)
    assert row["inbox"] and not row["inbox"].startswith("ibx_")


def test_me_is_the_linked_team_member(flownally, client_as):
    truth = flownally.open_queue()
    member, count = Counter(c["assigneeId"] for c in truth if c.get("assigneeId")).most_common(1)[0]
    client = client_as(TEAM_LEAD)
    account = get_user_model().objects.get(username="team-lead")
    Member.objects.create(user=account, flownally_user_id=member)
    mine = client.get("/?assignee=me")
    assert found(mine) == sorted(c["id"] for c in truth if c.get("assigneeId") == member)
    assert len(found(mine)) == count
    me_option = next(o for o in mine.context["menus"]["assignee"] if o["value"] == "me")
    assert me_option["on"] and me_option["count"] == count and me_option["label"].startswith("Me (")
