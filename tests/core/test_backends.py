"""The configured database and cache work over real connections (SQLite and local memory
by default; PostgreSQL and Redis in CI's second run)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_the_database_stores_and_reads_back_unicode():
    get_user_model().objects.create_user("zoë-łukasz-日本", password="a-long-test-password")
    assert get_user_model().objects.get(username="zoë-łukasz-日本")
    assert connection.vendor in ("sqlite", "postgresql")


def test_the_cache_round_trips_values():
    cache.set("ci:probe", {"n": 1, "text": "zażółć"}, 30)
    assert cache.get("ci:probe") == {"n": 1, "text": "zażółć"}
    cache.delete("ci:probe")


def test_the_cache_is_shared_between_processes_exactly_when_it_is_redis():
    """Workers share Redis; local memory is per process, which is why production uses Redis."""
    cache.set("ci:shared", "from-the-test-process", 30)
    probe = "import django; django.setup(); from django.core.cache import cache; print(cache.get('ci:shared'))"
    finished = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "dashboard.settings", "DEBUG": "true"},
    )
    shared = "redis" in settings.CACHES["default"]["BACKEND"].lower()
    assert finished.stdout.strip() == ("from-the-test-process" if shared else "None")
