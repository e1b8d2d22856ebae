"""Several independent Flownally calls at once, on a pool of threads per process."""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.conf import settings

_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def fan_out(*calls: Callable[[], Any]) -> list[Any]:
    """Run independent calls at the same time; results in order. The first error raises
    after every call has finished, so none is left running unseen. Each call runs in a copy
    of the caller's context: the page's deadline goes with it."""
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(
                max_workers=settings.FLOWNALLY_FANOUT_WORKERS, thread_name_prefix="flownally"
            )
    futures = [_pool.submit(contextvars.copy_context().run, call) for call in calls]
    errors = [f.exception() for f in futures]
    for error in errors:
        if error is not None:
            raise error
    return [f.result() for f in futures]
