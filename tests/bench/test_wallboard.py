"""`python -m bench.wallboard` runs and reports the upstream cost of a refresh."""

from __future__ import annotations

import re

from bench import wallboard


def test_it_prints_a_row_per_tenant_size_with_its_upstream_requests(capsys):
    assert wallboard.main(["--open", "50", "250", "--latency-ms", "0"]) == 0
    out = capsys.readouterr().out
    rows = [line.split() for line in out.splitlines() if re.match(r"\s*\d", line)]
    assert len(rows) == 2
    for row in rows:
        list_pages, message_pages, directory, total = map(int, row[1:5])
        assert list_pages >= 4  # one page at least per partition
        assert message_pages <= 20 and directory == 2
        assert total == list_pages + message_pages + directory
    assert int(rows[1][0]) > int(rows[0][0])
