"""403 and 404 answers are pages of the dashboard: its layout and navigation, what went
wrong in a sentence, and a way back (Django's bare pages had none)."""

from __future__ import annotations

import pytest

from dashboard.accounts.roles import VIEWER

pytestmark = pytest.mark.django_db
BACK = '<a href="/">Back to the conversations</a>'


def test_a_page_not_for_your_role_says_so_inside_the_layout(flownally, client_as):
    viewer = client_as(VIEWER, username="vera")
    response = viewer.get("/audit/")
    html = response.content.decode()
    assert response.status_code == 403
    assert "This page is not for your role" in html
    assert "signed in as <strong>vera</strong>" in html
    assert '<nav class="nav" aria-label="Main">' in html and BACK in html


def test_a_missing_conversation_is_a_404_inside_the_layout_with_its_path_escaped(
    flownally, client_as
):
    viewer = client_as(VIEWER)
    response = viewer.get("/conversations/cnv_01HV8Y7YF5J4Y7M9M7T3H3XZZZ/")
    html = response.content.decode()
    assert response.status_code == 404
    assert "Nothing here" in html and '<nav class="nav" aria-label="Main">' in html and BACK in html
    hostile = viewer.get("/no-such-page/<script>alert(1)</script>")
    assert hostile.status_code == 404
    assert "<script>alert(1)</script>" not in hostile.content.decode()
