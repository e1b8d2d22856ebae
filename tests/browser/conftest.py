"""Browser tests: Debian's Chromium driven by Playwright, against the dashboard served by
Django's live server and a real simulator."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from bench.browser import CHROMIUM, FLAGS
from dashboard.accounts.roles import ensure_roles
from tests.support.accounts import PASSWORD

# Playwright's sync API runs an event loop in the test thread; the ORM calls made by the
# test itself are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    assert Path(CHROMIUM).exists(), "Chromium is missing: `apt-get install chromium` (.ci/run does)"
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": FLAGS}


@pytest.fixture
def dashboard(live_server, flownally, settings, transactional_db):
    """The live dashboard on a fresh simulator, with short poll intervals."""
    ensure_roles()  # transactional tests flush the tables, roles included
    settings.TIMELINE_POLL_SECONDS = 1
    settings.LIST_REFRESH_SECONDS = 1
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False
    return live_server


@pytest.fixture
def sign_in(dashboard, page):
    """Sign in through the real form as a new account with `role`; returns the page."""

    def as_role(role: str | None, username: str | None = None):
        username = username or (role or "norole").replace(" ", "-").lower()
        user = get_user_model().objects.create_user(username, password=PASSWORD)
        if role:
            user.groups.add(Group.objects.get(name=role))
        page.goto(f"{dashboard.url}/accounts/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        return page

    return as_role
