"""Answers made for a signed-in person are kept by no cache; the rest are left alone
(static files are answered by WhiteNoise, above this middleware)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dashboard.accounts.roles import SUPERVISOR

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("page", ["/", "/audit/", "/team/", "/wallboard/"])
def test_signed_in_pages_are_private_and_not_stored(flownally, client_as, page):
    response = client_as(SUPERVISOR).get(page)
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"


def test_a_view_that_says_its_own_keeps_it(flownally, client_as):
    assert client_as(SUPERVISOR).get("/wallboard/links/")["Cache-Control"] == "no-store"


def test_ping_is_left_alone_and_costs_no_query(client_as):
    client = client_as(SUPERVISOR)
    with CaptureQueriesContext(connection) as queries:
        ping = client.get("/ping")
    assert "Cache-Control" not in ping and len(queries) == 0
