"""Sign-in throttling (issue 13, item 4): 50 wrong passwords, then the right one used to
work at once. Real requests to the sign-in page, from addresses given per request."""

from __future__ import annotations

import pytest
from django.test import Client

from dashboard.accounts.models import AuditEntry
from dashboard.accounts.roles import SUPERVISOR, TEAM_LEAD
from dashboard.simulator.seed import REFERENCE_CONVERSATION_ID
from tests.support.accounts import PASSWORD

pytestmark = pytest.mark.django_db
SIGN_IN = "/accounts/login/"
OFFICE, ELSEWHERE = "198.51.100.7", "203.0.113.9"
HTMX = {"HX-Request": "true", "HX-Target": "timeline"}


def _sign_in(username: str, password: str, address: str = OFFICE, client: Client | None = None):
    return (client or Client()).post(
        SIGN_IN, {"username": username, "password": password}, REMOTE_ADDR=address
    )


def _guess(username: str, times: int = 30, address: str = OFFICE) -> None:
    for _ in range(times):
        assert _sign_in(username, "not-the-password", address).status_code in (200, 429)


@pytest.fixture
def ola(make_user):
    return make_user(TEAM_LEAD, username="ola")


def test_thirty_wrong_passwords_lock_the_account_with_a_clear_message(ola):
    _guess("ola")
    response = _sign_in("ola", PASSWORD)
    assert response.status_code == 429
    page = response.content.decode()
    assert "Sign-in locked" in page and "Try again after" in page
    assert "supervisor can unlock" in page
    assert "Traceback" not in page and 'class="card narrow"' in page  # inside the layout
    assert "_auth_user_id" not in response.client.session  # not signed in
    # Not from elsewhere either: the username itself is locked.
    assert _sign_in("ola", PASSWORD, ELSEWHERE).status_code == 429


def test_below_the_limit_a_wrong_password_is_just_wrong(ola, settings):
    _guess("ola", times=settings.AXES_FAILURE_LIMIT - 1)
    assert _sign_in("ola", PASSWORD).status_code == 302


def test_other_accounts_sign_in_from_another_address(ola, make_user):
    make_user(SUPERVISOR, username="marta")
    _guess("ola")
    assert _sign_in("marta", PASSWORD, ELSEWHERE).status_code == 302


def test_an_address_that_tries_many_accounts_is_locked(ola, make_user):
    make_user(SUPERVISOR, username="marta")
    for name in (f"guess{n}" for n in range(30)):
        _sign_in(name, "not-the-password", ELSEWHERE)
    assert _sign_in("marta", PASSWORD, ELSEWHERE).status_code == 429
    assert _sign_in("marta", PASSWORD, OFFICE).status_code == 302


def test_a_lockout_is_audited_once_and_a_supervisor_unlocks_it(ola, client_as):
    _guess("ola")
    assert _sign_in("ola", PASSWORD).status_code == 429
    locks = AuditEntry.objects.filter(action=AuditEntry.Action.SIGNIN_LOCK)
    assert [(e.username, e.user) for e in locks] == [("ola", ola)]
    assert "ola" in locks[0].summary and OFFICE in locks[0].summary

    supervisor = client_as(SUPERVISOR)
    people = supervisor.get("/people/").content.decode()
    assert "Locked out of sign-in" in people and "Unlock ola" in people
    response = supervisor.post("/people/unlock/", {"username": "ola"}, follow=True)
    assert "Sign-in unlocked for ola." in response.content.decode()
    assert "Unlock ola" not in response.content.decode()
    unlock = AuditEntry.objects.get(action=AuditEntry.Action.SIGNIN_UNLOCK)
    assert unlock.username == "supervisor" and unlock.summary == "sign-in unlocked for ola"
    assert "Sign-in locked out" in supervisor.get("/audit/").content.decode()

    assert _sign_in("ola", PASSWORD).status_code == 302


def test_only_a_supervisor_unlocks(ola, client_as):
    _guess("ola")
    assert client_as(TEAM_LEAD).post("/people/unlock/", {"username": "ola"}).status_code == 403
    assert _sign_in("ola", PASSWORD).status_code == 429


def test_behind_a_configured_proxy_the_forwarded_address_counts(ola, make_user, settings):
    make_user(SUPERVISOR, username="marta")
    settings.SIGNIN_TRUSTED_PROXIES = 1
    proxy = "10.0.0.2"  # every request reaches us from the proxy
    for n in range(30):
        Client().post(
            SIGN_IN,
            {"username": f"guess{n}", "password": "x"},
            REMOTE_ADDR=proxy,
            headers={"X-Forwarded-For": f"{OFFICE}, {ELSEWHERE}"},  # the first is forged
        )
    forwarded = {"X-Forwarded-For": OFFICE}
    marta = Client().post(
        SIGN_IN, {"username": "marta", "password": PASSWORD}, REMOTE_ADDR=proxy, headers=forwarded
    )
    assert marta.status_code == 302  # the forger's address is locked, not the proxy's


def test_without_the_setting_a_forwarded_address_is_not_believed(ola, make_user):
    make_user(SUPERVISOR, username="marta")
    for n in range(30):
        Client().post(
            SIGN_IN,
            {"username": f"guess{n}", "password": "x"},
            REMOTE_ADDR=ELSEWHERE,
            headers={"X-Forwarded-For": f"192.0.2.{n}"},  # a new address each time, forged
        )
    assert _sign_in("marta", PASSWORD, ELSEWHERE).status_code == 429


def test_throttling_costs_a_signed_in_poll_nothing(
    flownally, ola, client, django_assert_num_queries
):
    """Axes acts on sign-in only: /ping and a poll that finds nothing new stay query-free,
    even while an account is locked out."""
    _guess("ola")
    assert _sign_in("ola", PASSWORD, client=client).status_code == 429
    client.force_login(ola)
    page = f"/conversations/{REFERENCE_CONVERSATION_ID}/"
    fingerprint = client.get(page).context["fingerprint"]
    poll = {"path": f"{page}timeline/", "data": {"v": fingerprint}, "headers": HTMX}
    assert client.get(**poll).status_code == 204
    with django_assert_num_queries(0):
        assert client.get("/ping").status_code == 200
        assert client.get(**poll).status_code == 204
