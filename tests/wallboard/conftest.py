from __future__ import annotations

from collections.abc import Iterator

import pytest

from dashboard.wallboard import snapshot


@pytest.fixture(autouse=True)
def _no_refresh_left_running() -> Iterator[None]:
    """A background refresh must not write into the next test's cache."""
    yield
    snapshot.join_refresh()
