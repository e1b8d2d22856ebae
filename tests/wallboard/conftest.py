from __future__ import annotations

from collections.abc import Iterator

import pytest

from dashboard.openqueue import refresher


@pytest.fixture(autouse=True)
def _no_refresher_left_running() -> Iterator[None]:
    """A background walk must not write into the next test's cache."""
    yield
    refresher.stop()
