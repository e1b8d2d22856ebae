"""`python -m bench.bulk` end to end, on a small job: it runs and says what it measured."""

from __future__ import annotations

import pytest

from bench import bulk

pytestmark = pytest.mark.slow


def test_the_bulk_benchmark_times_a_job_and_counts_its_reassigns(capsys):
    assert bulk.main(["--count", "20", "--latency-ms", "5"]) == 0
    out = capsys.readouterr().out
    assert "bulk reassign of 20 conversations at 5 ms upstream" in out
    assert "upstream reassigns       20     (target exactly 20: met)" in out
    assert "wall time to done" in out and "met" in out
