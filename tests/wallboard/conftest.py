from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from dashboard.wallboard import snapshot


@pytest.fixture
def flownally(sim, settings):
    """The dashboard pointed at a fresh simulator."""
    settings.FLOWNALLY_API_URL = sim.base_url
    settings.FLOWNALLY_API_TOKEN = "sim-token"
    return sim


@pytest.fixture(autouse=True)
def _no_refresh_left_running() -> Iterator[None]:
    """A background refresh must not write into the next test's cache."""
    yield
    snapshot.join_refresh()


@pytest.fixture
def client_as(client, db):
    def sign_in(role: str | None):
        user = get_user_model().objects.create_user(
            (role or "norole").replace(" ", "-").lower(), password="a-long-test-password"
        )
        if role:
            user.groups.add(Group.objects.get(name=role))
        client.force_login(user)
        return client

    return sign_in
