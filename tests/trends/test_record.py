"""Keeping a minute after each walk: one row per minute whatever the walkers, gaps where
nobody watched, pruning that keeps the table bounded, and a database that fails quietly."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, connection

from dashboard.openqueue import refresher
from dashboard.trends import record
from dashboard.trends.models import Minute
from tests.trends.helpers import an_index, keep

T0 = datetime(2026, 11, 30, 9, 0, 5, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _fresh_process(settings):
    settings.TRENDS_KEEP_MINUTES = True
    record.forget_process_state()
    yield
    record.forget_process_state()


@pytest.mark.django_db
def test_a_walk_keeps_its_minute_with_every_headline_number_and_each_member():
    assert record.record(an_index(T0, 12, 5, usr_a=(7, 3), usr_b=(4, 2)))
    row = Minute.objects.get()
    assert row.at == T0.replace(second=0)
    assert (row.open, row.pending, row.waiting, row.unassigned) == (12, 2, 5, 1)
    assert (row.longest_wait, row.failed, row.seeded) == (600, 4, False)
    assert row.members == {"usr_a": [7, 3], "usr_b": [4, 2]}  # unassigned is not a member
    assert row.names == {"usr_a": "Member usr_a", "usr_b": "Member usr_b"}


@pytest.mark.django_db
def test_later_walks_in_the_same_minute_keep_nothing_more():
    for seconds in (0, 10, 20, 50):
        record.record(an_index(T0 + timedelta(seconds=seconds), open_=seconds))
    assert list(Minute.objects.values_list("open", flat=True)) == [0]


@pytest.mark.django_db(transaction=True)
def test_three_instances_walking_in_one_minute_write_it_once():
    """Each 'instance' has no memory of the others: only the database's unique minute
    stands between them and a minute written twice."""
    barrier = threading.Barrier(6)
    errors = []

    def instance(n: int) -> None:
        try:
            barrier.wait()
            record.forget_process_state()
            record.record(an_index(T0 + timedelta(seconds=n), open_=n))
        except Exception as error:  # an instance that failed: the assertion below reports it
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=instance, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert Minute.objects.count() == 1


@pytest.mark.django_db
def test_minutes_nobody_watched_stay_gaps():
    record.record(an_index(T0))
    record.record(an_index(T0 + timedelta(minutes=1)))
    record.record(an_index(T0 + timedelta(minutes=7)))  # six minutes with no walk
    minutes = [at.minute for at in Minute.objects.values_list("at", flat=True)]
    assert minutes == [0, 1, 7]


@pytest.mark.django_db
def test_a_database_error_is_logged_and_the_walk_goes_on(monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise DatabaseError("disk full")

    monkeypatch.setattr(Minute.objects, "bulk_create", broken)
    assert record.record(an_index(T0)) is False
    assert "could not be kept" in caplog.text


@pytest.mark.django_db
def test_the_refresher_keeps_the_minute_after_a_walk_and_survives_a_broken_database(
    monkeypatch, settings
):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    fresh = an_index(datetime.now(UTC))
    monkeypatch.setattr(refresher.walk, "compute", lambda: fresh)
    monkeypatch.setattr(refresher.index, "wanted", lambda: True)
    assert refresher.refresh_if_due()
    assert Minute.objects.count() == 1

    record.forget_process_state()
    Minute.objects.all().delete()
    monkeypatch.setattr(Minute.objects, "bulk_create", lambda *a, **k: 1 / 0)
    refresher.index.forget_process_state()
    from django.core.cache import cache

    cache.clear()
    assert refresher.refresh_if_due()  # the walk completed and was stored
    assert refresher.index.stored()[0] == fresh.started_at


@pytest.mark.django_db
def test_pruning_keeps_storage_bounded_to_the_retention(settings):
    """A month of walks at one minute a row with the retention at 8 days: the table never
    holds more than 8 days and a prune's worth of minutes."""
    settings.TRENDS_RETENTION_DAYS = 8
    limit = 8 * 24 * 60 + record.PRUNE_EVERY
    start = datetime(2026, 10, 1, tzinfo=UTC)
    most = 0
    # Every 7th minute for 30 days (keeps the test quick; pruning counts calendar time).
    for step in range(0, 30 * 24 * 60, 7):
        record.record(an_index(start + timedelta(minutes=step)))
        if step % 700 == 0:
            most = max(most, Minute.objects.count())
    oldest = Minute.objects.first()
    assert oldest is not None
    assert oldest.at >= start + timedelta(days=30) - timedelta(
        days=8, minutes=record.PRUNE_EVERY + 7
    )
    assert most <= limit


@pytest.mark.django_db
def test_a_prune_deletes_in_bounded_batches(settings, monkeypatch):
    settings.TRENDS_RETENTION_DAYS = 8
    monkeypatch.setattr(record, "PRUNE_BATCH", 10)
    monkeypatch.setattr(record, "PRUNE_BATCHES", 3)
    for n in range(50):
        keep(T0 - timedelta(days=20, minutes=n))
    keep(T0)
    assert record.prune(T0) == 30  # the rest goes at the next prunes
    assert record.prune(T0) == 20
    assert Minute.objects.count() == 1


@pytest.mark.django_db
def test_nothing_is_kept_when_keeping_is_off(settings):
    settings.TRENDS_KEEP_MINUTES = False
    assert record.record(an_index(T0)) is False
    assert not Minute.objects.exists()


def test_a_retention_under_eight_days_is_refused(monkeypatch):
    import importlib
    import os

    import dashboard.settings as module

    monkeypatch.setitem(os.environ, "TRENDS_RETENTION_DAYS", "7")
    with pytest.raises(ImproperlyConfigured, match="at least 8"):
        importlib.reload(module)
    monkeypatch.delitem(os.environ, "TRENDS_RETENTION_DAYS")
    importlib.reload(module)
