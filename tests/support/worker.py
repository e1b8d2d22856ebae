"""Running bulk jobs in a test: django-tasks-db's own worker, in this process.

`drain()` runs every task that is ready, in this thread, then returns (the worker's
`--batch` mode): the database is the test's own, transaction and all. `worker_thread()`
keeps one polling in a thread for tests whose server runs elsewhere (the browser tests'
live server on a transactional database); the slow test starts real `db_worker`
processes instead."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from unittest import mock

from django.db import OperationalError, connections
from django_tasks_db.management.commands.db_worker import Worker


def _worker(*, batch: bool, interval: float = 0.05) -> Worker:
    return Worker(
        queue_names=["default"],
        interval=interval,
        batch=batch,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=f"test-{threading.get_ident()}",
        excluded_queue_names=[],
    )


def drain() -> None:
    """Run every ready task (and those they enqueue, once ready) to the end.

    The worker closes "old" connections between tasks, as Django does between requests;
    inside a test's transaction (autocommit off) that would close the test's own
    connection on PostgreSQL, so here it is left open."""
    module = "django_tasks_db.management.commands.db_worker.close_old_connections"
    with mock.patch(module, lambda: None):
        _worker(batch=True).run()


@contextmanager
def worker_thread() -> Iterator[Worker]:
    worker = _worker(batch=False)

    def run() -> None:
        try:
            while worker.running:
                try:
                    worker.run()
                except OperationalError as error:
                    # The live server's in-memory database (shared cache) answers a lock at
                    # once ("database table is locked") instead of waiting as a file
                    # database does, and the library's worker only expects the latter
                    # around its BEGIN: wait a moment and poll again, as it would.
                    if "locked" not in str(error):
                        raise
                    time.sleep(0.05)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run, name="test-db-worker", daemon=True)
    thread.start()
    try:
        yield worker
    finally:
        worker.running = False
        thread.join(timeout=30)
