"""Demo history: a week and a day of made-up minutes with a daily rhythm, marked seeded,
added once however often the demo starts."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from dashboard.trends import seed
from dashboard.trends.models import Minute

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 30, 15, 30, 20, tzinfo=UTC)  # a Monday


def test_eight_days_are_seeded_once_and_marked():
    shares = seed.shares_of({"usr_a": 9, "usr_b": 3}, ["usr_a", "usr_b", "usr_c"])
    names = {"usr_a": "Ada", "usr_b": "Bea", "usr_c": "Cy"}
    assert seed.seed(NOW, 8, 40, shares, names) == 8 * 24 * 60
    assert seed.seed(NOW, 8, 40, shares, names) == 0  # the demo started again
    assert Minute.objects.count() == 8 * 24 * 60
    assert not Minute.objects.filter(seeded=False).exists()
    last = Minute.objects.last()
    assert last is not None and last.at == NOW.replace(second=0) - timedelta(minutes=1)
    assert set(last.names.values()) == {"Ada", "Bea", "Cy"}


def test_the_history_has_a_daily_rhythm_and_quieter_weekends(settings):
    settings.TIME_ZONE = "Europe/Warsaw"
    zone = timezone.get_default_timezone()

    def open_at(day: int, hour: int) -> int:
        at = datetime.combine(NOW.date() - timedelta(days=day), time(hour), zone)
        return seed.minute(at, 60, {"usr_a": 1.0}, {}).open

    assert open_at(7, 10) > 3 * open_at(7, 3)  # a Monday morning against its night
    assert open_at(2, 10) < open_at(7, 10)  # Saturday against Monday


def test_the_command_shapes_the_history_around_the_simulator_queue(flownally, settings):
    settings.DEBUG = True
    call_command("seed_trends", days=1)
    assert Minute.objects.count() == 24 * 60
    names = set(Minute.objects.last().names.values())
    assert "Kasia Lewandowska" in names


def test_the_command_refuses_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_trends")


def test_the_history_ends_at_what_the_queue_holds_now():
    """Else the wallboard's first kept minute jumps from the made-up line ("▲ 188 vs 1 h
    ago" in a demo started at night with 223 open)."""
    live = {"open": 223, "pending": 87, "waiting": 198, "unassigned": 78, "longest_wait": 120_000}
    shares = seed.shares_of({"usr_a": 5}, ["usr_a", "usr_b"])
    seed.seed(NOW, 1, 40, shares, {}, live=live)
    last = Minute.objects.last()
    assert last is not None
    for name, value in live.items():
        assert abs(getattr(last, name) - value) <= 0.05 * value, name  # one minute earlier
    hour_ago = Minute.objects.get(at=last.at - timedelta(hours=1))
    assert 0.5 * live["open"] < hour_ago.open < 1.5 * live["open"]
    assert sum(o for o, _ in last.members.values()) <= live["open"]


def test_scaled_history_never_has_more_waiting_than_open():
    """Scaled one by one, a queue mostly waiting at night would wait more than it holds by day."""
    live = {"open": 223, "pending": 87, "waiting": 198, "unassigned": 78, "longest_wait": 600}
    seed.seed(NOW.replace(hour=23), 1, 40, seed.shares_of({}, ["usr_a"]), {}, live=live)
    for row in Minute.objects.all():
        assert row.pending <= row.open and row.waiting <= row.open and row.unassigned <= row.open
