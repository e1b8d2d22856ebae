"""Bulk actions against a real simulator: a lead signed in, and the job's task run by
django-tasks-db's worker in this thread (tests/support/worker.py)."""

from __future__ import annotations

import pytest

from dashboard.accounts.roles import TEAM_LEAD


@pytest.fixture
def lead(flownally, client_as, no_cache):
    return client_as(TEAM_LEAD)


@pytest.fixture
def fast_jobs(settings):
    """Short leases and a short pause after an outage, so tests wait seconds, not minutes."""
    settings.BULK_LEASE_SECONDS = 2
    settings.BULK_RESUME_SECONDS = 1
    settings.BULK_CONCURRENCY = 4
