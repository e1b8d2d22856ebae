"""Who else is here: the conversation page names the other accounts that have it open,
from the timeline polls (no request of its own), and drops them soon after they leave."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache, caches
from django.test import Client

from dashboard.accounts.roles import SUPERVISOR, TEAM_LEAD, VIEWER
from dashboard.conversations import presence
from dashboard.core.processes import free_port
from dashboard.simulator.seed import REFERENCE_CONVERSATION_ID
from tests.conversations.test_quiet_poll import trips  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db
PAGE = f"/conversations/{REFERENCE_CONVERSATION_ID}/"
POLL = f"{PAGE}timeline/"
HTMX = {"HX-Request": "true", "HX-Target": "timeline"}
KEY = presence.key(REFERENCE_CONVERSATION_ID)


class Viewer:
    """One browser: its page's timeline fingerprint `v` and presence fingerprint `p`."""

    def __init__(self, client: Client) -> None:
        self.client = client
        page = client.get(PAGE)
        assert page.status_code == 200
        self.text = page.content.decode()
        self.v, self.p = page.context["fingerprint"], page.context["presence"]
        self.page = page.context["presence_page"]  # when the page was loaded (its beacon says)

    def leave(self):
        return self.client.post(f"{PAGE}left/", {"page": self.page})

    def poll(self):
        response = self.client.get(POLL, {"v": self.v, "p": self.p}, headers=HTMX)
        if response.status_code == 200:
            found = re.search(r'name="p" value="([0-9a-f]+)"', response.content.decode())
            assert found, "a poll with content carries the bar"
            self.p = found[1]
        return response


@pytest.fixture
def open_as(flownally, make_user):
    """A new account with `role` opens the conversation in a browser of its own."""

    def open_(role: str, username: str) -> Viewer:
        client = Client()
        client.force_login(make_user(role, username))
        return Viewer(client)

    return open_


def _bar(response) -> str:
    found = re.search(r'<div id="presence"[^>]*>(.*?)</div>', response.content.decode(), re.S)
    assert found, "the answer has the presence bar"
    return re.sub(r"<[^>]+>|●", "", found[1]).strip()


def _age(user_pk: int, seconds: float) -> None:
    """Make this viewer's entry as old as if written `seconds` ago."""
    roster = cache.get(KEY)
    name, at, page = roster[user_pk]
    roster[user_pk] = (name, at - seconds, page)
    cache.set(KEY, roster, 60)


def _pk(username: str) -> int:
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username=username).pk


def test_someone_who_opens_the_page_shows_at_the_others_next_poll(open_as):
    ola = open_as(TEAM_LEAD, "ola")
    assert "here too" not in ola.text
    marta = open_as(SUPERVISOR, "marta")
    assert "ola (team lead) is here too." in marta.text
    answer = ola.poll()
    assert answer.status_code == 200 and answer["HX-Reswap"] == "none"
    assert _bar(answer) == "marta (supervisor) is here too."
    assert 'hx-swap-oob="innerHTML"' in answer.content.decode()
    assert 'id="timeline"' not in answer.content.decode()  # the timeline had no news
    assert ola.poll().status_code == 204  # the bar now shows who is there
    assert marta.poll().status_code == 204


def test_a_viewer_never_sees_themself(flownally, make_user):
    user = make_user(SUPERVISOR, "marta")
    tabs = []
    for _ in range(2):
        client = Client()
        client.force_login(user)
        tabs.append(Viewer(client))
    assert all("here too" not in tab.text for tab in tabs)
    assert tabs[0].poll().status_code == 204


def test_three_people_each_see_the_other_two(open_as):
    ola, marta, kasia = (
        open_as(TEAM_LEAD, "ola"),
        open_as(SUPERVISOR, "marta"),
        open_as(VIEWER, "kasia"),
    )
    assert "marta (supervisor) and ola (team lead) are here too." in kasia.text
    assert _bar(ola.poll()) == "kasia (viewer) and marta (supervisor) are here too."
    assert _bar(marta.poll()) == "kasia (viewer) and ola (team lead) are here too."


def test_someone_who_left_drops_out_and_the_page_says_so(open_as, settings):
    ola = open_as(TEAM_LEAD, "ola")
    open_as(SUPERVISOR, "marta")
    assert _bar(ola.poll()) == "marta (supervisor) is here too."
    interval = settings.TIMELINE_POLL_SECONDS
    _age(_pk("marta"), (presence.LIFETIME_POLLS - 0.5) * interval)  # quiet for three polls
    assert ola.poll().status_code == 204  # not gone yet: no flicker
    _age(_pk("marta"), interval)  # ... and one more: she has left
    answer = ola.poll()
    assert answer.status_code == 200 and _bar(answer) == ""
    assert ola.poll().status_code == 204


def test_a_lost_write_heals_at_the_next_poll_before_anyone_misses_it(open_as, settings):
    ola = open_as(TEAM_LEAD, "ola")
    marta = open_as(SUPERVISOR, "marta")
    ola.poll()
    _age(_pk("marta"), 2 * settings.TIMELINE_POLL_SECONDS)
    roster = cache.get(KEY)
    written_before = roster[_pk("marta")][1]
    # Ola's write raced Marta's and won: Marta's refreshed entry was lost, hers is old.
    assert marta.poll().status_code == 204
    assert cache.get(KEY)[_pk("marta")][1] > written_before  # written again at once
    assert ola.poll().status_code == 204  # Ola never saw her go


def test_an_entry_is_written_about_every_other_poll_at_most(open_as, settings, trips):  # noqa: F811
    marta = open_as(SUPERVISOR, "marta")
    assert marta.poll().status_code == 204  # the whole stack: now the quiet poll knows her
    trips.clear()
    assert marta.poll().status_code == 204
    assert trips == ["get_many"]  # her entry is young: read, not written
    _age(_pk("marta"), presence.REFRESH_POLLS * settings.TIMELINE_POLL_SECONDS)
    trips.clear()
    assert marta.poll().status_code == 204
    assert trips == ["get_many", "set"]  # due: written in passing, with no other trip


def test_someone_arriving_is_told_by_the_whole_stack_not_the_quick_answer(open_as, trips):  # noqa: F811
    ola = open_as(TEAM_LEAD, "ola")
    assert ola.poll().status_code == 204
    open_as(SUPERVISOR, "marta")
    trips.clear()
    answer = ola.poll()
    assert answer.status_code == 200 and len(trips) > 1
    assert _bar(answer) == "marta (supervisor) is here too."


def test_a_poll_without_a_bar_is_counted_but_never_answered_for_it(open_as, make_user):
    ola = open_as(TEAM_LEAD, "ola")
    client = Client()
    client.force_login(make_user(SUPERVISOR, "marta"))
    # A client that shows no bar (no `p`): Ola is there, and it is still told nothing new.
    assert client.get(POLL, {"v": ola.v}, headers=HTMX).status_code == 204
    assert _bar(ola.poll()) == "marta (supervisor) is here too."


def test_a_fast_polling_page_gets_the_bar_too(open_as, flownally, settings):
    flownally.api(
        "POST",
        f"/conversations/{REFERENCE_CONVERSATION_ID}/messages",
        json={"content": {"type": "text", "text": {"body": "On its way"}}},
    )
    ola = open_as(TEAM_LEAD, "ola")
    assert f"every {settings.TIMELINE_FAST_POLL_SECONDS}s" in ola.text  # a message in flight
    open_as(SUPERVISOR, "marta")
    assert _bar(ola.poll()) == "marta (supervisor) is here too."


def test_the_bar_is_a_polite_live_region(open_as):
    marta = open_as(SUPERVISOR, "marta")
    assert re.search(r'<div id="presence" class="presence" role="status" data-left="', marta.text)


@pytest.fixture
def redis_db6(settings):
    """The default cache on the shared Redis, database 6: what three instances share."""
    settings.CACHES = {
        "default": {
            "BACKEND": "dashboard.core.redis_cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/6",
        }
    }
    caches["default"].clear()
    yield
    caches["default"].clear()


def test_three_instances_share_the_roster_through_redis(redis_db6, open_as):
    """Each viewer's requests as if to another instance: nothing kept in a process counts."""
    from dashboard.conversations import quiet_poll

    ola = open_as(TEAM_LEAD, "ola")
    quiet_poll._users.clear()
    marta = open_as(SUPERVISOR, "marta")
    quiet_poll._users.clear()
    kasia = open_as(VIEWER, "kasia")
    assert "marta (supervisor) and ola (team lead) are here too." in kasia.text
    quiet_poll._users.clear()
    assert _bar(ola.poll()) == "kasia (viewer) and marta (supervisor) are here too."
    quiet_poll._users.clear()
    assert _bar(marta.poll()) == "kasia (viewer) and ola (team lead) are here too."


def test_with_redis_unreachable_the_page_works_and_names_nobody(open_as, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "dashboard.core.redis_cache.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/6",
        }
    }
    ola = open_as(TEAM_LEAD, "ola")
    marta = open_as(SUPERVISOR, "marta")
    assert "here too" not in marta.text
    assert ola.poll().status_code in (200, 204)
    assert "here too" not in ola.poll().content.decode()


def test_a_page_that_says_it_was_left_drops_out_at_once(open_as):
    ola = open_as(TEAM_LEAD, "ola")
    marta = open_as(SUPERVISOR, "marta")
    assert _bar(ola.poll()) == "marta (supervisor) is here too."
    assert marta.leave().status_code == 204
    assert _bar(ola.poll()) == ""


def test_a_reload_whose_beacon_comes_after_the_new_page_stays(open_as):
    ola = open_as(TEAM_LEAD, "ola")
    marta = open_as(SUPERVISOR, "marta")
    assert _bar(ola.poll()) == "marta (supervisor) is here too."
    reloaded = Viewer(marta.client)  # the new page is served first...
    assert marta.leave().status_code == 204  # ... then the old one's beacon arrives
    assert ola.poll().status_code == 204  # Marta never left
    assert reloaded.leave().status_code == 204
    assert _bar(ola.poll()) == ""


def test_closing_the_older_of_two_tabs_leaves_the_person_there(flownally, open_as, make_user):
    ola = open_as(TEAM_LEAD, "ola")
    marta = make_user(SUPERVISOR, "marta")
    tabs = []
    for _ in range(2):
        client = Client()
        client.force_login(marta)
        tabs.append(Viewer(client))
    assert _bar(ola.poll()) == "marta (supervisor) is here too."
    tabs[0].leave()
    assert ola.poll().status_code == 204


def test_leaving_a_malformed_or_unknown_id_is_a_plain_404(open_as):
    marta = open_as(SUPERVISOR, "marta")
    assert marta.client.post("/conversations/not-an-id/left/").status_code == 404
    assert marta.client.get(f"{PAGE}left/").status_code == 405
    for page in ("", "soon", "nan", "inf", "1e999", "é" * 1000):
        assert marta.client.post(f"{PAGE}left/", {"page": page}).status_code == 400
    assert presence.own_name(cache.get(KEY), _pk("marta")) == "marta (supervisor)"  # still there


@pytest.mark.parametrize("hostile", ["", "x" * 5000, "<script>", "é\u202e", "0" * 12])
def test_a_made_up_bar_fingerprint_just_gets_the_bar(open_as, hostile):
    ola = open_as(TEAM_LEAD, "ola")
    ola.p = hostile
    answer = ola.poll()
    assert answer.status_code == 200 and _bar(answer) == ""
    assert "<script>" not in answer.content.decode()
    assert ola.poll().status_code == 204


def test_the_wallboard_counts_nobody_as_here(open_as, make_user):
    ola = open_as(TEAM_LEAD, "ola")
    screen = Client()
    screen.force_login(make_user(VIEWER, "tv"))
    assert screen.get("/wallboard/").status_code == 200
    assert ola.poll().status_code == 204  # nobody new
