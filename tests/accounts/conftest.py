from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from dashboard.accounts.roles import SUPERVISOR, TEAM_LEAD, VIEWER


@pytest.fixture
def make_user(db):
    def make(role: str | None, username: str | None = None, **extra):
        user = get_user_model().objects.create_user(
            username or (role or "nobody").lower().replace(" ", "-"),
            password="a-long-test-password",
            **extra,
        )
        if role:
            user.groups.add(Group.objects.get(name=role))
        return user

    return make


@pytest.fixture
def client_as(client, make_user):
    """A test client signed in with one of the roles (or none)."""

    def sign_in(role: str | None, **extra):
        client.force_login(make_user(role, **extra))
        return client

    return sign_in


ROLES = (SUPERVISOR, TEAM_LEAD, VIEWER)
