"""A database outage, for real: the default connection closed and pointed where nothing
answers (a closed port for PostgreSQL, a file that cannot be opened for SQLite), so the
next query fails in the driver as it would with the server down."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connections

from dashboard.core.processes import free_port


@contextmanager
def database_unreachable() -> Iterator[None]:
    connection = connections["default"]
    connection.close()
    saved = dict(connection.settings_dict)
    if connection.vendor == "sqlite":
        connection.settings_dict["NAME"] = "/nonexistent/directory/db.sqlite3"
    else:
        connection.settings_dict.update(HOST="127.0.0.1", PORT=str(free_port()))
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)
