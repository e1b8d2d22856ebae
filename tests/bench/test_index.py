"""`python -m bench.index` runs and reports the upstream cost of a walk."""

from __future__ import annotations

import re

import pytest

from bench import index


@pytest.mark.slow  # waits out retries or intervals in real time
def test_it_prints_a_row_per_tenant_size_with_its_upstream_requests(capsys, settings):
    assert index.main(["--open", "50", "250", "--latency-ms", "0"]) == 0
    out = capsys.readouterr().out
    rows = [line.split() for line in out.splitlines() if re.match(r"\s*\d", line)]
    assert len(rows) == 2
    for row in rows:
        list_pages, message_pages, directory, total = map(int, row[1:5])
        assert list_pages >= 4  # one page at least per partition
        assert message_pages <= 20 and directory == 2
        assert total == list_pages + message_pages + directory
    assert int(rows[1][0]) > int(rows[0][0])
    for (
        row
    ) in rows:  # per hour: a walk per interval (these are quicker), the directory once a minute
        walks = 3600 / settings.OPEN_QUEUE_REFRESH_SECONDS
        total, directory = int(row[4]), int(row[3])
        assert int(row[7].replace(",", "")) == round(walks * (total - directory) + 60 * directory)
