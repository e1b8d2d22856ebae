"""Conversations: listing (filters, sorts, pages), details and sendability, reassign, read
and close, as docs/contract-decisions.md describes them."""

from __future__ import annotations

import http.client
import json
from collections import Counter
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import pytest

from dashboard.simulator.seed import (
    REFERENCE_CONVERSATION_ID,
    REFERENCE_MESSAGE_ID,
    REFERENCE_USER_ID,
)
from tests.support.simulator import TOKEN

SORTS = ("lastMessageAt:desc", "lastMessageAt:asc", "waitingSince:asc", "createdAt:desc")
CONVERSATION_FIELDS = {
    "id",
    "channel",
    "externalId",
    "inboxId",
    "name",
    "contactId",
    "contactName",
    "lastMessageAt",
    "lastMessagePreview",
    "lastMessageSender",
    "status",
    "assigneeId",
    "createdAt",
    "waitingSince",
    "unreadCount",
}
UNKNOWN_CONVERSATION_ID = "cnv_" + "0" * 26


# --- helpers -------------------------------------------------------------------------------


def ts(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def page(sim, **params) -> dict:
    response = sim.api("GET", "/conversations", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def walk(sim, page_size: int = 100, **params) -> list[dict]:
    """Every conversation of a query, following nextPageToken to the end."""
    items, token = [], None
    for _ in range(10_000):
        query = {"pageSize": page_size, **params} | ({"pageToken": token} if token else {})
        body = page(sim, **query)
        items += body["conversations"]
        token = body.get("nextPageToken")
        if not token:
            return items
    raise AssertionError("the walk never ended")


def ids_of(items: list[dict]) -> list[str]:
    return [item["id"] for item in items]


def health(sim) -> dict:
    return sim.control("GET", "health")


def details(sim, conversation_id: str) -> dict:
    response = sim.api("GET", f"/conversations/{conversation_id}")
    assert response.status_code == 200, response.text
    return response.json()


def assert_validation_error(response, field: str) -> dict:
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "validation_failed"
    assert error["requestId"] == response.headers["X-Request-Id"]
    assert error["details"], error
    assert error["details"][0]["field"] == field, error["details"]
    return error["details"][0]


def assert_not_found(status: int, headers: dict, body: bytes) -> None:
    assert status == 404, body
    error = json.loads(body)["error"]
    assert error["code"] == "not_found"
    assert error["requestId"] == headers["X-Request-Id"]


def assert_served_once(served: list[str]) -> None:
    twice = sorted(cid for cid, times in Counter(served).items() if times > 1)
    assert not twice, (
        f"{len(twice)} conversations were served more than once in one walk: {twice[:3]}"
    )


def inbound(sim, conversation_id: str, text: str = "Hello again") -> dict:
    return sim.control("POST", "inbound", {"conversationId": conversation_id, "text": text})


def active_users(sim) -> list[dict]:
    users = sim.api("GET", "/users", params={"pageSize": 100}).json()["users"]
    return [user for user in users if user["active"]]


def inactive_user(sim) -> dict:
    users = sim.api("GET", "/users", params={"pageSize": 100}).json()["users"]
    return next(user for user in users if not user["active"])


def first_where(items: list[dict], **wanted) -> dict:
    return next(item for item in items if all(item[key] == value for key, value in wanted.items()))


# --- status filter -------------------------------------------------------------------------


def test_repeated_status_parameters_list_only_those_statuses(sim):
    items = walk(sim, status=["open", "pending"])
    by_status = health(sim)["byStatus"]
    assert {item["status"] for item in items} == {"open", "pending"}
    assert len(items) == by_status["open"] + by_status["pending"]


def test_the_comma_form_of_status_lists_the_same_conversations_in_the_same_order(sim):
    repeated = ids_of(walk(sim, status=["open", "pending"]))
    assert ids_of(walk(sim, status="open,pending")) == repeated
    assert ids_of(walk(sim, status="pending,open")) == repeated


@pytest.mark.parametrize("status", ["pending", "open", "closed"])
def test_each_status_alone_lists_exactly_the_conversations_with_that_status(sim, status):
    items = walk(sim, status=status)
    assert items
    assert all(item["status"] == status for item in items)
    assert len(items) == health(sim)["byStatus"][status]


def test_no_status_filter_lists_every_status(sim):
    items = walk(sim)
    assert {item["status"] for item in items} == {"open", "pending", "closed"}
    assert len(items) == health(sim)["conversations"]


@pytest.mark.parametrize("status", ["archived", "open,archived", "OPEN"])
def test_an_unknown_status_is_a_validation_error_on_status(sim, status):
    detail = assert_validation_error(
        sim.api("GET", "/conversations", params={"status": status}), "status"
    )
    assert detail["code"] == "invalid"


def test_an_unknown_status_among_repeated_ones_is_a_validation_error(sim):
    response = sim.api("GET", "/conversations", params={"status": ["open", "snoozed"]})
    assert_validation_error(response, "status")


# --- interacted filter ---------------------------------------------------------------------


def test_interacted_true_lists_only_conversations_where_a_team_member_wrote(sim):
    items = walk(sim, interacted="true")
    assert items
    for item in items:
        senders = {message["senderType"] for message in sim.all_messages(item["id"])}
        assert "user" in senders, item["id"]


def test_interacted_false_lists_only_conversations_no_team_member_wrote_in(sim):
    items = walk(sim, interacted="false")
    assert items
    for item in items:
        senders = {message["senderType"] for message in sim.all_messages(item["id"])}
        assert "user" not in senders, item["id"]


def test_interacted_true_and_false_split_the_tenant(sim):
    yes, no = set(ids_of(walk(sim, interacted="true"))), set(ids_of(walk(sim, interacted="false")))
    assert not yes & no
    assert yes | no == set(ids_of(walk(sim)))


def test_a_team_members_reply_makes_a_conversation_interacted(sim):
    pending = next(item for item in walk(sim, interacted="false") if item["channel"] != "whatsapp")
    sent = sim.api(
        "POST",
        f"/conversations/{pending['id']}/messages",
        json={"content": {"type": "text", "text": {"body": "On it!"}}},
    )
    assert sent.status_code == 202, sent.text
    assert pending["id"] in ids_of(walk(sim, interacted="true"))
    assert pending["id"] not in ids_of(walk(sim, interacted="false"))


def test_interacted_combines_with_status(sim):
    items = walk(sim, interacted="false", status="pending")
    assert items
    assert all(item["status"] == "pending" for item in items)
    assert set(ids_of(items)) <= set(ids_of(walk(sim, interacted="false")))


def test_a_non_boolean_interacted_is_a_validation_error(sim):
    assert_validation_error(
        sim.api("GET", "/conversations", params={"interacted": "maybe"}), "interacted"
    )


# --- sorting -------------------------------------------------------------------------------


def assert_sorted(sort: str, items: list[dict]) -> None:
    if sort == "lastMessageAt:desc":
        times = [ts(item["lastMessageAt"]) for item in items]
        assert times == sorted(times, reverse=True)
    elif sort == "lastMessageAt:asc":
        times = [ts(item["lastMessageAt"]) for item in items]
        assert times == sorted(times)
    elif sort == "createdAt:desc":
        times = [ts(item["createdAt"]) for item in items]
        assert times == sorted(times, reverse=True)
    else:
        waiting = [item for item in items if item["waitingSince"] is not None]
        rest = [item for item in items if item["waitingSince"] is None]
        assert items == waiting + rest, "a waiting conversation follows a non-waiting one"
        waits = [ts(item["waitingSince"]) for item in waiting]
        assert waits == sorted(waits), "waiting conversations are not longest-waiting first"
        activity = [ts(item["lastMessageAt"]) for item in rest]
        assert activity == sorted(activity, reverse=True), (
            "non-waiting ones are not newest activity first"
        )


@pytest.mark.parametrize("sort", SORTS)
def test_every_sort_orders_a_full_walk_and_lists_each_conversation_once(sim, sort):
    items = walk(sim, page_size=9, sort=sort)
    assert_sorted(sort, items)
    assert len(ids_of(items)) == len(set(ids_of(items))) == health(sim)["conversations"]


def test_the_default_sort_is_newest_activity_first(sim):
    assert ids_of(walk(sim)) == ids_of(walk(sim, sort="lastMessageAt:desc"))


def test_waiting_since_sort_has_both_waiting_and_not_waiting_conversations_to_order(sim):
    items = walk(sim, sort="waitingSince:asc")
    assert any(item["waitingSince"] for item in items)
    assert any(item["waitingSince"] is None for item in items)


def test_sorting_combines_with_a_status_filter(sim):
    items = walk(sim, page_size=5, sort="waitingSince:asc", status="open,closed")
    assert_sorted("waitingSince:asc", items)
    assert {item["status"] for item in items} == {"open", "closed"}


@pytest.mark.parametrize(
    "sort", ["name:asc", "lastMessageAt", "createdAt:asc", "LASTMESSAGEAT:DESC"]
)
def test_an_unknown_sort_is_a_validation_error_on_sort(sim, sort):
    assert_validation_error(sim.api("GET", "/conversations", params={"sort": sort}), "sort")


# --- page size and page tokens -------------------------------------------------------------


@pytest.mark.parametrize("size", ["0", "101", "abc", "-1", "1.5", "1e2"])
def test_a_page_size_outside_1_to_100_is_a_validation_error_on_page_size(sim, size):
    detail = assert_validation_error(
        sim.api("GET", "/conversations", params={"pageSize": size}), "pageSize"
    )
    if size in ("0", "101", "-1"):
        assert detail["code"] == "out_of_range"


def test_a_page_size_of_100_is_served_in_full(sim):
    body = page(sim, pageSize=100)
    assert len(body["conversations"]) == 100
    assert body["nextPageToken"]


def test_a_page_size_of_1_is_served(sim):
    body = page(sim, pageSize=1)
    assert len(body["conversations"]) == 1
    assert body["nextPageToken"]


def test_the_default_page_size_is_25(sim):
    assert len(page(sim)["conversations"]) == 25


def test_an_empty_page_token_is_the_first_page(sim):
    assert page(sim, pageSize=10, pageToken="") == page(sim, pageSize=10)


def tamper(token: str) -> str:
    body, _, mac = token.partition(".")
    middle = len(body) // 2
    swapped = "B" if body[middle] != "B" else "C"
    return body[:middle] + swapped + body[middle + 1 :] + "." + mac


@pytest.mark.parametrize(
    "token",
    ["garbage", "a.b", ".", "eyJ9.AAAA", "%%%", "ü", "abc.ü", "x" * 5000],
)
def test_a_malformed_page_token_is_a_validation_error_on_page_token(sim, token):
    detail = assert_validation_error(
        sim.api("GET", "/conversations", params={"pageToken": token}), "pageToken"
    )
    assert detail["code"] == "invalid"


def test_a_tampered_page_token_is_a_validation_error_on_page_token(sim):
    token = page(sim, pageSize=5)["nextPageToken"]
    for bad in (
        tamper(token),
        token[:-2],
        token + "A",
        token.replace(".", ".x"),
        token.split(".")[0],
    ):
        response = sim.api("GET", "/conversations", params={"pageSize": 5, "pageToken": bad})
        assert_validation_error(response, "pageToken")


@pytest.mark.parametrize(
    "other",
    [
        {"sort": "createdAt:desc"},
        {"status": "open"},
        {"interacted": "true"},
        {"sort": "lastMessageAt:asc", "status": "open,pending,closed"},
    ],
)
def test_a_page_token_reused_with_different_filters_is_a_validation_error(sim, other):
    token = page(sim, pageSize=5)["nextPageToken"]
    response = sim.api("GET", "/conversations", params={"pageSize": 5, "pageToken": token, **other})
    assert_validation_error(response, "pageToken")


def test_a_page_token_may_be_followed_with_another_page_size(sim):
    token = page(sim, pageSize=5)["nextPageToken"]
    following = page(sim, pageSize=7, pageToken=token)["conversations"]
    assert ids_of(following) == ids_of(page(sim, pageSize=12)["conversations"])[5:]


def test_a_page_token_of_the_messages_list_is_refused_by_the_conversation_list(sim):
    token = sim.api(
        "GET", f"/conversations/{REFERENCE_CONVERSATION_ID}/messages", params={"pageSize": 1}
    ).json()["nextPageToken"]
    assert token
    assert_validation_error(
        sim.api("GET", "/conversations", params={"pageToken": token}), "pageToken"
    )


def test_a_full_walk_at_page_size_7_lists_every_conversation_exactly_once(sim):
    pages, token = [], None
    while True:
        body = page(sim, pageSize=7, **({"pageToken": token} if token else {}))
        pages.append(body["conversations"])
        token = body.get("nextPageToken")
        if not token:
            break
    served = [item["id"] for items in pages for item in items]
    assert len(served) == len(set(served)) == health(sim)["conversations"]
    assert all(len(items) == 7 for items in pages[:-1])
    assert 1 <= len(pages[-1]) <= 7
    assert set(CONVERSATION_FIELDS) <= set(pages[0][0])


def test_the_last_page_has_no_next_page_token(sim):
    total = health(sim)["conversations"]
    body = page(sim, pageSize=100, pageToken=page(sim, pageSize=100)["nextPageToken"])
    assert len(body["conversations"]) == 100
    last = page(sim, pageSize=100, pageToken=body["nextPageToken"])
    assert len(last["conversations"]) == total - 200
    assert last.get("nextPageToken") is None


def test_an_exactly_full_last_page_has_no_next_page_token(sim):
    total = health(sim)["conversations"]
    first = total - 100 * ((total - 1) // 100)  # what is left over after full pages of 100
    body = page(sim, pageSize=first)
    served = len(body["conversations"])
    while served < total:
        assert body["nextPageToken"]
        body = page(sim, pageSize=100, pageToken=body["nextPageToken"])
        assert len(body["conversations"]) == 100
        served += 100
    assert served == total
    assert body.get("nextPageToken") is None


# --- stability while the tenant changes ----------------------------------------------------


def test_a_created_at_walk_survives_new_conversations_and_replies_without_duplicates_or_skips(sim):
    before = walk(sim, sort="createdAt:desc")
    before_ids = ids_of(before)
    served, token, round_ = [], None, 0
    while True:
        body = page(
            sim, pageSize=10, sort="createdAt:desc", **({"pageToken": token} if token else {})
        )
        served += ids_of(body["conversations"])
        token = body.get("nextPageToken")
        if not token:
            break
        round_ += 1
        sim.advance(30)
        # Customers write in: brand-new conversations, and replies to one already served
        # and one not yet served (a closed one reopens).
        sim.control(
            "POST",
            "inbound",
            {"channel": "sms", "externalId": f"+48 600 100 {round_:03d}", "text": "New here"},
        )
        sim.control(
            "POST",
            "inbound",
            {
                "channel": "email",
                "externalId": f"new.{round_}@example.com",
                "name": "New Customer",
                "text": "Hi",
            },
        )
        inbound(sim, served[-1], "Reply to a served one")
        upcoming = before_ids[min(len(served) + 5, len(before_ids) - 1)]
        inbound(sim, upcoming, "Reply to a later one")
        # Team work moves conversations between statuses too.
        if round_ % 3 == 0:
            sim.api(
                "POST",
                f"/conversations/{before_ids[min(len(served) + 3, len(before_ids) - 1)]}/close",
            )
        if round_ % 4 == 0:
            sim.api(
                "POST",
                f"/conversations/{before_ids[min(len(served) + 2, len(before_ids) - 1)]}/reassign",
                json={"userId": REFERENCE_USER_ID},
            )
    assert_served_once(served)
    missing = set(before_ids) - set(served)
    assert not missing, f"{len(missing)} conversations that existed before the walk were skipped"
    assert health(sim)["conversations"] > len(before_ids)
    # The order the walk was served in still holds for the creation times they have now.
    created = {item["id"]: ts(item["createdAt"]) for item in walk(sim)}
    times = [created[cid] for cid in served]
    assert times == sorted(times, reverse=True)


def test_a_last_activity_walk_never_serves_a_conversation_twice_while_customers_reply(sim):
    before_ids = ids_of(walk(sim))
    served, touched, token = [], set(), None
    while True:
        body = page(sim, pageSize=10, **({"pageToken": token} if token else {}))
        served += ids_of(body["conversations"])
        token = body.get("nextPageToken")
        if not token:
            break
        sim.advance(5)
        # Replies move conversations to the front: one already served, one not yet served.
        for cid in (served[-3], before_ids[min(len(served) + 4, len(before_ids) - 1)]):
            inbound(sim, cid, "Moving up")
            touched.add(cid)
    assert_served_once(served)
    untouched = set(before_ids) - touched
    assert untouched <= set(served), "a conversation nobody touched was skipped"


def test_an_oldest_activity_first_walk_never_serves_a_conversation_twice_while_customers_reply(sim):
    served, token = [], None
    while True:
        params = {"pageSize": 10, "sort": "lastMessageAt:asc"}
        body = page(sim, **params, **({"pageToken": token} if token else {}))
        served += ids_of(body["conversations"])
        token = body.get("nextPageToken")
        if not token:
            break
        sim.advance(5)
        inbound(sim, served[-1], "Moving to the newest end")  # one already served
    assert_served_once(served)


def test_a_waiting_first_walk_never_serves_a_conversation_twice_while_the_team_replies(sim):
    served, token = [], None
    while True:
        body = page(
            sim, pageSize=10, sort="waitingSince:asc", **({"pageToken": token} if token else {})
        )
        served += ids_of(body["conversations"])
        token = body.get("nextPageToken")
        if not token:
            break
        waiting = [item for item in body["conversations"] if item["waitingSince"]]
        if waiting:  # answer one already served: it stops waiting
            sim.advance(5)
            reply = sim.api(
                "POST",
                f"/conversations/{waiting[0]['id']}/messages",
                json={
                    "content": {
                        "type": "template",
                        "template": {"name": "order_ready", "language": "en"},
                    }
                }
                if waiting[0]["channel"] == "whatsapp"
                else {"content": {"type": "text", "text": {"body": "Answered"}}},
            )
            assert reply.status_code == 202, reply.text
    assert_served_once(served)


# --- details and sendability ---------------------------------------------------------------


def test_conversation_details_have_the_conversation_fields_sendability_and_last_customer_time(sim):
    body = details(sim, REFERENCE_CONVERSATION_ID)
    assert CONVERSATION_FIELDS | {"lastCustomerMessageAt", "sendability"} <= set(body)
    assert body["id"] == REFERENCE_CONVERSATION_ID
    assert body["channel"] == "whatsapp"
    assert set(body["sendability"]) == {"window", "windowExpiresAt", "allowedContentTypes"}
    assert isinstance(body["lastCustomerMessageAt"], str)
    listed = first_where(walk(sim), id=REFERENCE_CONVERSATION_ID)
    assert {key: body[key] for key in listed} == listed


def test_details_match_the_list_item_for_every_field_of_a_conversation(sim):
    for item in page(sim, pageSize=30)["conversations"]:
        body = details(sim, item["id"])
        assert {key: body[key] for key in item} == item


def test_whatsapp_window_is_open_right_after_a_customer_message(sim):
    whatsapp = first_where(walk(sim, status="closed"), channel="whatsapp")
    written = inbound(sim, whatsapp["id"], "Are you there?")["message"]
    body = details(sim, whatsapp["id"])
    assert body["lastCustomerMessageAt"] == written["createdAt"]
    assert body["sendability"]["window"] == "open"
    assert set(body["sendability"]["allowedContentTypes"]) == {"text", "media", "template"}
    expires = ts(body["sendability"]["windowExpiresAt"])
    assert expires == ts(written["createdAt"]) + timedelta(hours=24)


def test_whatsapp_window_is_still_open_a_second_before_24_hours(sim):
    whatsapp = first_where(walk(sim), channel="whatsapp")
    inbound(sim, whatsapp["id"])
    sim.advance(24 * 3600 - 1)
    assert details(sim, whatsapp["id"])["sendability"]["window"] == "open"


def test_whatsapp_window_closes_24_hours_and_a_second_after_the_customer_wrote(sim):
    whatsapp = first_where(walk(sim), channel="whatsapp")
    inbound(sim, whatsapp["id"])
    sim.advance(24 * 3600 + 1)
    body = details(sim, whatsapp["id"])
    assert body["sendability"]["window"] == "closed"
    assert body["sendability"]["allowedContentTypes"] == ["template"]
    assert body["sendability"]["windowExpiresAt"] is None
    refused = sim.api(
        "POST",
        f"/conversations/{whatsapp['id']}/messages",
        json={"content": {"type": "text", "text": {"body": "Too late"}}},
    )
    detail = assert_validation_error(refused, "content.type")
    assert detail["code"] == "not_allowed"


def test_a_new_customer_message_reopens_a_closed_whatsapp_window(sim):
    whatsapp = first_where(walk(sim), channel="whatsapp")
    inbound(sim, whatsapp["id"])
    sim.advance(25 * 3600)
    assert details(sim, whatsapp["id"])["sendability"]["window"] == "closed"
    inbound(sim, whatsapp["id"], "Me again")
    assert details(sim, whatsapp["id"])["sendability"]["window"] == "open"


@pytest.mark.parametrize("channel", ["sms", "email", "webchat"])
def test_conversations_outside_whatsapp_have_no_window_and_no_templates(sim, channel):
    conversation = first_where(walk(sim), channel=channel)
    sendability = details(sim, conversation["id"])["sendability"]
    assert sendability["window"] == "none"
    assert sendability["windowExpiresAt"] is None
    assert set(sendability["allowedContentTypes"]) == {"text", "media"}
    sim.advance(30 * 24 * 3600)
    assert details(sim, conversation["id"])["sendability"]["window"] == "none"


def test_every_whatsapp_conversation_window_agrees_with_its_last_customer_message(sim):
    now = ts(sim.control("GET", "clock")["now"])
    for item in walk(sim):
        if item["channel"] != "whatsapp":
            continue
        body = details(sim, item["id"])
        last = body["lastCustomerMessageAt"]
        expected = "open" if last and now < ts(last) + timedelta(hours=24) else "closed"
        assert body["sendability"]["window"] == expected, item["id"]


# --- malformed and unknown IDs -------------------------------------------------------------


def raw_request(sim, method: str, path: str, body: dict | None = None) -> tuple[int, dict, bytes]:
    """A request with the path sent byte for byte (requests would normalise `..`)."""
    base = urlsplit(sim.base_url)
    connection = http.client.HTTPConnection(base.hostname, base.port, timeout=10)
    headers = {"Authorization": f"Bearer {TOKEN}"}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    try:
        connection.request(method, base.path + path, body=data, headers=headers)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


CONVERSATION_ROUTES = [
    ("GET", "", None),
    ("GET", "/messages", None),
    ("POST", "/messages", {"content": {"type": "text", "text": {"body": "Hi"}}}),
    ("POST", "/reassign", {"userId": REFERENCE_USER_ID}),
    ("POST", "/read", {"lastMessageId": REFERENCE_MESSAGE_ID}),
    ("POST", "/close", None),
]
MALFORMED_IDS = [
    "",
    "cnv_x",
    "../inboxes",
    "cnv_..%2Finboxes",
    "cnv_" + "A" * 1996,
    "%00",
    f"{REFERENCE_CONVERSATION_ID}%00",
    f"{REFERENCE_CONVERSATION_ID}%20",
    f"{REFERENCE_CONVERSATION_ID}%0A",
    "CNV_" + REFERENCE_CONVERSATION_ID[4:],
    REFERENCE_CONVERSATION_ID.replace("cnv_", "msg_"),
    "cnv_01HV8Y7YF5J4Y7M9M7T3H3X2A%C5%81",
    "%E2%9C%93",
    "cnv_" + "A" * 65,
    "cnv_" + "A" * 9,
]


@pytest.mark.parametrize("bad_id", MALFORMED_IDS)
def test_a_malformed_conversation_id_is_not_found_on_every_route(sim, bad_id):
    for method, suffix, body in CONVERSATION_ROUTES:
        status, headers, payload = raw_request(
            sim, method, f"/conversations/{bad_id}{suffix}", body
        )
        assert_not_found(status, headers, payload)


@pytest.mark.parametrize(
    "unknown_id", [UNKNOWN_CONVERSATION_ID, "cnv_" + "Z" * 10, "cnv_" + "a" * 64]
)
def test_an_unknown_well_formed_conversation_id_is_not_found_on_every_route(sim, unknown_id):
    for method, suffix, body in CONVERSATION_ROUTES:
        status, headers, payload = raw_request(
            sim, method, f"/conversations/{unknown_id}{suffix}", body
        )
        assert_not_found(status, headers, payload)


def test_the_dot_dot_path_does_not_reach_the_inbox_list(sim):
    status, _, payload = raw_request(sim, "GET", "/conversations/../inboxes")
    assert status == 404
    assert b"inboxes" not in payload


@pytest.mark.parametrize(
    "bad_id", ["msg_x", "%00", "../conversations", "msg_" + "A" * 1996, "msg_" + "0" * 26]
)
def test_a_malformed_or_unknown_message_id_is_not_found(sim, bad_id):
    status, headers, payload = raw_request(sim, "GET", f"/messages/{bad_id}")
    assert_not_found(status, headers, payload)
    status, headers, payload = raw_request(
        sim, "POST", f"/messages/{bad_id}/reactions", {"emoji": "👍"}
    )
    assert_not_found(status, headers, payload)


# --- reassign ------------------------------------------------------------------------------


def test_reassigning_answers_204_with_an_empty_body_and_changes_the_assignee(sim):
    conversation = first_where(walk(sim, status="open"), status="open")
    user = next(u for u in active_users(sim) if u["id"] != conversation["assigneeId"])
    response = sim.api(
        "POST", f"/conversations/{conversation['id']}/reassign", json={"userId": user["id"]}
    )
    assert response.status_code == 204, response.text
    assert response.content == b""
    after = details(sim, conversation["id"])
    assert after["assigneeId"] == user["id"]
    assert after["status"] == "open"


def test_reassigning_a_pending_conversation_opens_it(sim):
    pending = first_where(walk(sim, status="pending"), assigneeId=None)
    user = active_users(sim)[-1]
    response = sim.api(
        "POST", f"/conversations/{pending['id']}/reassign", json={"userId": user["id"]}
    )
    assert response.status_code == 204, response.text
    after = details(sim, pending["id"])
    assert after["status"] == "open"
    assert after["assigneeId"] == user["id"]
    assert pending["id"] in ids_of(walk(sim, status="open"))
    assert pending["id"] not in ids_of(walk(sim, status="pending"))


def test_reassigning_to_an_unknown_user_is_a_validation_error_on_user_id(sim):
    before = details(sim, REFERENCE_CONVERSATION_ID)
    response = sim.api(
        "POST",
        f"/conversations/{REFERENCE_CONVERSATION_ID}/reassign",
        json={"userId": "usr_" + "0" * 26},
    )
    detail = assert_validation_error(response, "userId")
    assert detail["code"] == "unknown"
    assert details(sim, REFERENCE_CONVERSATION_ID)["assigneeId"] == before["assigneeId"]


def test_reassigning_to_an_inactive_user_is_a_validation_error_on_user_id(sim):
    pending = first_where(walk(sim, status="pending"), assigneeId=None)
    response = sim.api(
        "POST",
        f"/conversations/{pending['id']}/reassign",
        json={"userId": inactive_user(sim)["id"]},
    )
    detail = assert_validation_error(response, "userId")
    assert detail["code"] == "unknown"
    after = details(sim, pending["id"])
    assert after["assigneeId"] is None
    assert after["status"] == "pending"


@pytest.mark.parametrize("body", [{}, {"userId": None}, {"userId": "marta"}, {"userId": 42}])
def test_reassigning_without_a_user_id_is_a_validation_error_on_user_id(sim, body):
    response = sim.api("POST", f"/conversations/{REFERENCE_CONVERSATION_ID}/reassign", json=body)
    assert_validation_error(response, "userId")


# --- read ----------------------------------------------------------------------------------


def test_marking_read_returns_the_conversation_with_unread_count_recomputed(sim):
    history = sim.all_messages(REFERENCE_CONVERSATION_ID)  # newest first
    assert details(sim, REFERENCE_CONVERSATION_ID)["unreadCount"] >= 1
    for position, target in enumerate(history):
        expected = sum(1 for message in history[:position] if message["senderType"] == "customer")
        response = sim.api(
            "POST",
            f"/conversations/{REFERENCE_CONVERSATION_ID}/read",
            json={"lastMessageId": target["id"]},
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert set(body) >= CONVERSATION_FIELDS
        assert body["id"] == REFERENCE_CONVERSATION_ID
        assert body["unreadCount"] == expected, target["id"]
        assert details(sim, REFERENCE_CONVERSATION_ID)["unreadCount"] == expected


def test_marking_read_on_a_generated_conversation_counts_customer_messages_after_the_marker(sim):
    conversation = next(item for item in walk(sim) if item["unreadCount"] >= 2)
    history = sim.all_messages(conversation["id"])
    oldest = history[-1]
    expected = sum(1 for message in history[:-1] if message["senderType"] == "customer")
    response = sim.api(
        "POST", f"/conversations/{conversation['id']}/read", json={"lastMessageId": oldest["id"]}
    )
    assert response.status_code == 200, response.text
    assert response.json()["unreadCount"] == expected
    newest = sim.api(
        "POST",
        f"/conversations/{conversation['id']}/read",
        json={"lastMessageId": history[0]["id"]},
    )
    assert newest.json()["unreadCount"] == 0


def test_a_new_customer_message_after_reading_is_unread(sim):
    history = sim.all_messages(REFERENCE_CONVERSATION_ID)
    sim.api(
        "POST",
        f"/conversations/{REFERENCE_CONVERSATION_ID}/read",
        json={"lastMessageId": history[0]["id"]},
    )
    sim.advance(1)
    inbound(sim, REFERENCE_CONVERSATION_ID, "One more thing")
    assert details(sim, REFERENCE_CONVERSATION_ID)["unreadCount"] == 1


def test_marking_read_with_a_message_of_another_conversation_is_a_validation_error(sim):
    other = next(item for item in walk(sim) if item["id"] != REFERENCE_CONVERSATION_ID)
    foreign = sim.all_messages(other["id"])[0]["id"]
    response = sim.api(
        "POST", f"/conversations/{REFERENCE_CONVERSATION_ID}/read", json={"lastMessageId": foreign}
    )
    detail = assert_validation_error(response, "lastMessageId")
    assert detail["code"] == "unknown"


@pytest.mark.parametrize(
    "body", [{}, {"lastMessageId": "msg_" + "0" * 26}, {"lastMessageId": "nope"}]
)
def test_marking_read_without_a_message_of_the_conversation_is_a_validation_error(sim, body):
    response = sim.api("POST", f"/conversations/{REFERENCE_CONVERSATION_ID}/read", json=body)
    assert_validation_error(response, "lastMessageId")


# --- close and reopen ----------------------------------------------------------------------


def test_closing_answers_200_with_an_empty_body_and_clears_waiting(sim):
    assert details(sim, REFERENCE_CONVERSATION_ID)["waitingSince"] is not None
    response = sim.api("POST", f"/conversations/{REFERENCE_CONVERSATION_ID}/close")
    assert response.status_code == 200, response.text
    assert response.content == b""
    after = details(sim, REFERENCE_CONVERSATION_ID)
    assert after["status"] == "closed"
    assert after["waitingSince"] is None
    assert REFERENCE_CONVERSATION_ID in ids_of(walk(sim, status="closed"))


def test_closing_a_closed_conversation_is_200_too(sim):
    for _ in range(2):
        response = sim.api("POST", f"/conversations/{REFERENCE_CONVERSATION_ID}/close")
        assert response.status_code == 200, response.text
        assert response.content == b""
    assert details(sim, REFERENCE_CONVERSATION_ID)["status"] == "closed"
    closed = first_where(walk(sim, status="closed"), status="closed")
    assert sim.api("POST", f"/conversations/{closed['id']}/close").status_code == 200


def test_a_customer_message_reopens_an_unassigned_closed_conversation_as_pending(sim):
    pending = first_where(walk(sim, status="pending"), assigneeId=None)
    assert sim.api("POST", f"/conversations/{pending['id']}/close").status_code == 200
    sim.advance(60)
    written = inbound(sim, pending["id"], "Hello? I still need help")
    after = details(sim, pending["id"])
    assert after["status"] == "pending"
    assert after["assigneeId"] is None
    assert after["waitingSince"] == written["message"]["createdAt"]
    assert written["conversation"]["status"] == "pending"


def test_a_customer_message_reopens_an_assigned_closed_conversation_as_open(sim):
    assert sim.api("POST", f"/conversations/{REFERENCE_CONVERSATION_ID}/close").status_code == 200
    sim.advance(60)
    written = inbound(sim, REFERENCE_CONVERSATION_ID, "Sorry, one more question")
    after = details(sim, REFERENCE_CONVERSATION_ID)
    assert after["status"] == "open"
    assert after["assigneeId"] == REFERENCE_USER_ID
    assert after["waitingSince"] == written["message"]["createdAt"]
    assert REFERENCE_CONVERSATION_ID in ids_of(walk(sim, status="open"))


def test_a_seeded_closed_conversation_reopens_on_a_customer_message(sim):
    closed = first_where(walk(sim, status="closed"), status="closed")
    assert closed["waitingSince"] is None
    sim.advance(10)
    written = inbound(sim, closed["id"])
    after = details(sim, closed["id"])
    assert after["status"] == ("open" if closed["assigneeId"] else "pending")
    assert after["waitingSince"] == written["message"]["createdAt"]


def test_a_team_member_writing_in_a_closed_conversation_reopens_it_as_open(sim):
    assert sim.api("POST", f"/conversations/{REFERENCE_CONVERSATION_ID}/close").status_code == 200
    sent = sim.api(
        "POST",
        f"/conversations/{REFERENCE_CONVERSATION_ID}/messages",
        json={"content": {"type": "text", "text": {"body": "Following up"}}},
    )
    assert sent.status_code == 202, sent.text
    after = details(sim, REFERENCE_CONVERSATION_ID)
    assert after["status"] == "open"
    assert after["waitingSince"] is None


def test_a_second_customer_message_keeps_the_oldest_unanswered_time_as_waiting_since(sim):
    waiting_since = details(sim, REFERENCE_CONVERSATION_ID)["waitingSince"]
    assert waiting_since is not None
    sim.advance(120)
    inbound(sim, REFERENCE_CONVERSATION_ID, "Hello??")
    assert details(sim, REFERENCE_CONVERSATION_ID)["waitingSince"] == waiting_since


def test_a_team_members_reply_clears_waiting_since(sim):
    sent = sim.api(
        "POST",
        f"/conversations/{REFERENCE_CONVERSATION_ID}/messages",
        json={"content": {"type": "text", "text": {"body": "Here to help"}}},
    )
    assert sent.status_code == 202, sent.text
    assert details(sim, REFERENCE_CONVERSATION_ID)["waitingSince"] is None
    sim.advance(30)
    written = inbound(sim, REFERENCE_CONVERSATION_ID, "Thanks, and another question")
    assert (
        details(sim, REFERENCE_CONVERSATION_ID)["waitingSince"] == written["message"]["createdAt"]
    )


def test_health_counts_follow_status_changes(sim):
    before = health(sim)["byStatus"]
    pending = first_where(walk(sim, status="pending"), assigneeId=None)
    sim.api("POST", f"/conversations/{REFERENCE_CONVERSATION_ID}/close")  # open -> closed
    sim.api(
        "POST", f"/conversations/{pending['id']}/reassign", json={"userId": REFERENCE_USER_ID}
    )  # pending -> open
    after = health(sim)["byStatus"]
    assert after == {
        "pending": before["pending"] - 1,
        "open": before["open"],
        "closed": before["closed"] + 1,
    }
    assert len(walk(sim, status="closed")) == after["closed"]
