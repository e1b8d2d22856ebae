"""`manage.py db_worker`: django-tasks-db's worker, which also takes over bulk jobs whose
worker died (recovery.py), at start and every half lease.

This app comes before django_tasks_db in INSTALLED_APPS, so this command is the one
`db_worker` runs; every option is the original's. Production runs it from the same image
as the web server (see the README).
"""

from __future__ import annotations

import logging
import os
import threading
from typing import Any

from django.conf import settings
from django.db import close_old_connections
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV
from django_tasks_db.management.commands import db_worker

from dashboard.bulk import recovery

logger = logging.getLogger("dashboard.bulk")


class Command(db_worker.Command):
    help = "Run a database background worker (and take over bulk jobs whose worker died)"

    def handle(self, *args: Any, **options: Any) -> None:
        # With --reload the command runs twice (the watcher and the worker): only the
        # worker recovers.
        if not options.get("reload") or os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
            threading.Thread(target=_recover_forever, name="bulk-recovery", daemon=True).start()
        super().handle(*args, **options)


def _recover_forever() -> None:
    stop = threading.Event()
    while True:
        try:
            recovery.recover_all()
        except Exception:  # a database hiccup must not end the loop
            logger.exception("recovering bulk jobs failed; trying again")
        finally:
            close_old_connections()
        stop.wait(max(1.0, settings.BULK_LEASE_SECONDS / 2))
