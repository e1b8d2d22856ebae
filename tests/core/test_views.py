"""The health check and the connection page, against a real simulator."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection as db_connection
from django.db.utils import OperationalError
from django.test.utils import CaptureQueriesContext

from dashboard.accounts.members import flownally_user_id
from dashboard.accounts.models import Member
from dashboard.simulator.seed import REFERENCE_USER_ID

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client):
    from django.contrib.auth.models import Group

    user = get_user_model().objects.create_user("sam", password="a-long-test-password")
    user.groups.add(Group.objects.get(name="Viewer"))
    client.force_login(user)
    return client


class TestHealthz:
    def test_it_says_ok_without_asking_the_database_the_cache_or_flownally(
        self, client, settings, monkeypatch
    ):
        settings.FLOWNALLY_API_URL = "http://127.0.0.1:9/v1"
        monkeypatch.setattr("django.db.backends.utils.CursorWrapper.execute", _broken)
        response = client.get("/healthz")
        assert response.status_code == 200
        assert response.json() == {"status": "ok"}


def _broken(*args, **kwargs):
    raise OperationalError("database is down")


class TestReadyz:
    def test_it_is_ready_when_the_database_and_the_cache_answer(self, client):
        response = client.get("/readyz")
        assert response.status_code == 200
        body = response.json()
        assert body["status"] == "ready"
        assert body["database"]["status"] == body["cache"]["status"] == "ok"

    def test_it_is_unready_when_the_database_fails(self, client, monkeypatch):
        monkeypatch.setattr("django.db.backends.utils.CursorWrapper.execute", _broken)
        response = client.get("/readyz")
        assert response.status_code == 503
        assert response.json()["status"] == "unready"
        assert response.json()["database"] == {"status": "down", "detail": "OperationalError"}

    def test_an_open_circuit_to_flownally_is_reported_and_leaves_it_ready(
        self, client, flownally, settings
    ):
        """Pages answer from their last good copies meanwhile: no reason to take this
        instance out of the load balancer."""
        from dashboard.flownally import client as api
        from dashboard.flownally.errors import Unavailable

        assert client.get("/readyz").json()["flownally"]["circuit"] == "closed"
        flownally.add_fault(kind="error", status=503)
        for _ in range(settings.FLOWNALLY_CIRCUIT_FAILURES):
            with pytest.raises(Unavailable):
                api.conversation_list(cached=False)
        response = client.get("/readyz")
        assert response.status_code == 200
        assert response.json()["status"] == "degraded"
        assert response.json()["flownally"]["circuit"] == "open"


class TestPing:
    def test_it_answers_without_sign_in_database_or_flownally(self, client, settings):
        settings.FLOWNALLY_API_URL = "http://127.0.0.1:9/v1"
        with CaptureQueriesContext(db_connection) as queries:
            response = client.get("/ping")
        assert (response.status_code, response.content) == (200, b"pong")
        assert len(queries) == 0

    def test_it_refuses_posts(self, client):
        assert client.post("/ping").status_code == 405


class TestConnectionPage:
    def test_it_needs_a_role_because_it_shows_customers(self, client, flownally):
        client.force_login(
            get_user_model().objects.create_user("norole", password="a-long-test-password")
        )
        assert client.get("/connection/").status_code == 403

    def test_it_needs_sign_in(self, client):
        response = client.get("/connection/")
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")

    def test_it_shows_the_simulator_tenant(self, signed_in, flownally):
        response = signed_in.get("/connection/")
        assert response.status_code == 200
        text = response.content.decode()
        assert "Connected" in text
        assert "Support WhatsApp" in text
        # The request really reached the simulator with the configured token.
        routes = sorted(entry["route"] for entry in flownally.request_log())
        assert routes == ["GET /conversations", "GET /inboxes", "GET /users"]

    def test_it_never_puts_the_token_in_the_page(self, signed_in, flownally, settings):
        settings.FLOWNALLY_API_TOKEN = "sim-token"
        assert b"sim-token" not in signed_in.get("/connection/").content

    def test_it_explains_a_refused_token(self, signed_in, flownally, settings):
        settings.FLOWNALLY_API_TOKEN = "wrong-token"
        response = signed_in.get("/connection/")
        assert response.status_code == 502
        text = response.content.decode()
        assert "token was refused (401 unauthenticated)" in text
        assert "FLOWNALLY_API_TOKEN" in text
        assert "wrong-token" not in text

    def test_it_explains_an_unreachable_flownally(self, signed_in, settings):
        settings.FLOWNALLY_API_URL = "http://127.0.0.1:9/v1"
        response = signed_in.get("/connection/")
        assert response.status_code == 502
        assert "cannot be reached" in response.content.decode()
        assert b"Traceback" not in response.content

    def test_it_explains_an_answer_that_is_not_flownally(self, signed_in, flownally):
        flownally.add_fault(kind="malformed", path="^/v1/inboxes$")
        response = signed_in.get("/connection/")
        assert response.status_code == 502
        assert "did not answer like Flownally" in response.content.decode()

    def test_it_escapes_customer_text(self, signed_in, flownally):
        flownally.control(
            "POST",
            "inbound",
            {
                "channel": "webchat",
                "externalId": "visitor-x",
                "name": "<b>Eve</b>",
                "text": "<script>alert(1)</script>",
            },
        )
        text = signed_in.get("/connection/").content.decode()
        assert "<script>alert(1)</script>" not in text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
        assert "&lt;b&gt;Eve&lt;/b&gt;" in text


class TestDemoAccounts:
    def test_it_creates_one_account_per_role_with_the_demo_password(self, settings):
        settings.DEBUG = True
        call_command("create_demo_accounts")
        users = get_user_model().objects
        assert sorted(users.values_list("username", flat=True)) == ["lead", "supervisor", "viewer"]
        assert all(user.check_password("demo") for user in users.all())

    def test_they_are_linked_to_members_of_the_demo_simulator_s_team(self, settings, flownally):
        settings.DEBUG = True
        call_command("create_demo_accounts")
        team = {u["id"]: u["name"] for u in flownally.api("GET", "/users").json()["users"]}
        linked = {
            user.username: team.get(flownally_user_id(user) or "", "nobody")
            for user in get_user_model().objects.all()
        }
        # The token's owner, another member, and a wallboard screen that is nobody.
        assert linked == {
            "supervisor": "Marta Zielińska",
            "lead": "Kasia Lewandowska",
            "viewer": "nobody",
        }

    def test_running_it_again_takes_back_a_member_linked_elsewhere(self, settings):
        settings.DEBUG = True
        call_command("create_demo_accounts")
        users = get_user_model().objects
        Member.objects.filter(user__username="supervisor").update(flownally_user_id="")
        Member.objects.create(user=users.create_user("anna"), flownally_user_id=REFERENCE_USER_ID)
        call_command("create_demo_accounts")
        assert flownally_user_id(users.get(username="supervisor")) == REFERENCE_USER_ID
        assert flownally_user_id(users.get(username="anna")) is None

    def test_it_refuses_outside_debug(self, settings):
        settings.DEBUG = False
        with pytest.raises(CommandError, match="DEBUG"):
            call_command("create_demo_accounts")
        assert not get_user_model().objects.exists()


def test_sign_in_works_with_a_real_password(client):
    get_user_model().objects.create_user("lee", password="a-long-test-password")
    response = client.post(
        "/accounts/login/", {"username": "lee", "password": "a-long-test-password"}
    )
    assert response.status_code == 302
    wrong = client.post("/accounts/login/", {"username": "lee", "password": "nope"})
    assert "do not match" in wrong.content.decode()


def test_the_sign_in_page_names_the_demo_accounts_only_in_demo_mode(client, settings):
    settings.DEBUG = True
    assert "Demo accounts" in client.get("/accounts/login/").content.decode()
    settings.DEBUG = False
    assert "Demo accounts" not in client.get("/accounts/login/").content.decode()
