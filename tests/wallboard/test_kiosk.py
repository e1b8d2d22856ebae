"""Kiosk links: made and revoked by supervisors, opening the wallboard and nothing else."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dashboard.accounts.models import AuditEntry
from dashboard.accounts.roles import SUPERVISOR, TEAM_LEAD, VIEWER
from dashboard.wallboard.models import KioskLink, token_hash

pytestmark = pytest.mark.django_db


def create_link(client, name: str = "Support room TV") -> str:
    response = client.post("/wallboard/links/", {"name": name}, follow=True)
    assert response.status_code == 200
    found = re.search(
        r'class="kiosk-url" type="text" readonly value="([^"]+)"', response.content.decode()
    )
    assert found, "the new link is shown once"
    return found[1].removeprefix("http://testserver")


@pytest.fixture
def kiosk_path(flownally, client_as, client):
    path = create_link(client_as(SUPERVISOR))
    client.logout()
    return path


def test_a_supervisor_creates_a_link_stored_only_as_a_hash(flownally, client_as):
    client = client_as(SUPERVISOR)
    path = create_link(client)
    token = re.fullmatch(r"/wallboard/k/([A-Za-z0-9_-]{40,})/", path)[1]
    link = KioskLink.objects.get()
    assert link.token_hash == token_hash(token) and token not in link.token_hash
    assert link.name == "Support room TV" and link.created_by.username == "supervisor"
    listing = client.get("/wallboard/links/").content.decode()
    assert "Support room TV" in listing and token not in listing  # never shown again
    assert AuditEntry.objects.get().action == AuditEntry.Action.KIOSK_CREATE


def test_a_link_needs_a_name(flownally, client_as):
    response = client_as(SUPERVISOR).post("/wallboard/links/", {"name": "  "})
    assert response.status_code == 422
    assert "This field is required." in response.content.decode()
    assert not KioskLink.objects.exists()


@pytest.mark.parametrize("role", [VIEWER, TEAM_LEAD, None])
def test_only_supervisors_manage_links(flownally, client_as, role):
    client = client_as(role)
    assert client.get("/wallboard/links/").status_code == 403
    assert client.post("/wallboard/links/", {"name": "TV"}).status_code == 403
    assert not KioskLink.objects.exists()


def test_a_kiosk_link_opens_the_board_without_sign_in_or_session(kiosk_path, client):
    response = client.get(kiosk_path)
    assert response.status_code == 200
    assert 'data-metric="open"' in response.content.decode()
    assert f'hx-get="{kiosk_path}refresh/"' in response.content.decode()
    assert "sessionid" not in response.cookies and "csrftoken" not in response.cookies
    assert response["Referrer-Policy"] == "no-referrer"
    refresh = client.get(f"{kiosk_path}refresh/", headers={"HX-Request": "true"})
    assert refresh.status_code == 200 and refresh.content.decode().lstrip().startswith("<main")
    assert KioskLink.objects.get().last_used_at is not None


def test_a_kiosk_link_opens_nothing_else_and_accepts_no_post(kiosk_path, client):
    client.get(kiosk_path)
    for page in ("/", "/wallboard/", "/wallboard/links/", "/audit/", "/connection/"):
        assert client.get(page).status_code == 302, page  # still asks for sign-in
    assert client.post(kiosk_path).status_code == 405
    assert client.post(f"{kiosk_path}refresh/").status_code == 405
    token = kiosk_path.split("/")[3]
    assert client.get(f"/?k={token}").status_code == 302


def test_revoking_turns_the_link_off_at_the_next_refresh(flownally, client_as, client):
    supervisor = client_as(SUPERVISOR)
    path = create_link(supervisor)
    link = KioskLink.objects.get()
    revoke = supervisor.post(f"/wallboard/links/{link.pk}/revoke/")
    assert revoke.status_code == 302
    assert supervisor.post(f"/wallboard/links/{link.pk}/revoke/").status_code == 302  # no-op
    assert [e.action for e in AuditEntry.objects.order_by("id")] == ["kiosk_create", "kiosk_revoke"]
    supervisor.logout()

    page = client.get(path)
    assert page.status_code == 410
    assert "This link was revoked" in page.content.decode()
    assert 'data-metric="open"' not in page.content.decode()
    refresh = client.get(f"{path}refresh/", headers={"HX-Request": "true"})
    assert refresh["HX-Refresh"] == "true"  # the screen reloads, and shows the page above


@pytest.mark.parametrize(
    "token",
    ["nonsense-but-long-enough-to-look-like-a-token", "short", "x" * 500, "%3Cscript%3E" * 4],
)
def test_an_unknown_link_is_not_found(flownally, client, token):
    response = client.get(f"/wallboard/k/{token}/")
    assert response.status_code == 404
    assert "This link is not valid" in response.content.decode()
    assert "<script>" not in response.content.decode()


def test_a_screen_refreshing_does_not_touch_the_database(kiosk_path, client, settings):
    settings.WALLBOARD_REFRESH_SECONDS = settings.OPEN_QUEUE_REFRESH_SECONDS = 60
    client.get(kiosk_path)  # the first visit reads the link and notes it was used
    with CaptureQueriesContext(connection) as queries:
        for _ in range(5):
            assert client.get(f"{kiosk_path}refresh/").status_code == 200
    assert len(queries) == 0


def test_reloading_after_creating_a_link_makes_no_duplicate(flownally, client_as):
    client = client_as(SUPERVISOR)
    created = client.post("/wallboard/links/", {"name": "Support room TV"})
    assert created.status_code == 302 and created["Location"] == "/wallboard/links/"
    shown = client.get("/wallboard/links/").content.decode()
    assert 'class="kiosk-url"' in shown  # the new link, once, on the page after the redirect
    reloaded = client.get("/wallboard/links/").content.decode()
    assert 'class="kiosk-url"' not in reloaded and KioskLink.objects.count() == 1


def test_revoke_asks_first(flownally, client_as):
    client = client_as(SUPERVISOR)
    create_link(client)
    page = client.get("/wallboard/links/").content.decode()
    confirm = page.split('<details class="confirm">', 1)[1].split("</details>", 1)[0]
    assert "<summary>Revoke…</summary>" in confirm
    assert "Yes, revoke “Support room TV”" in confirm and "/revoke/" in confirm
    assert page.count("/revoke/") == 1  # no one-click revoke outside the question


def test_a_kiosk_screen_links_nowhere(kiosk_path, client):
    html = client.get(kiosk_path).content.decode()
    assert 'class="back"' not in html and '<span class="who"><a' not in html
    assert "<a " not in html and "/failed/" not in html  # nor does its Failed tile
