"""The list as a file (`/conversations.csv`): every conversation the list's query string
matches, not one page, streamed as CSV.

Flownally's own filters (status, team reply; closed conversations included) are answered
by walking its pages; the filters it lacks (assignee, channel, inbox, waiting, search) by
the open-queue index, as the list answers them. Rows are written as pages arrive, a page
at a time, so a worker's memory stays flat however many conversations there are.

Choices a reader of the file should know:
- Rows come newest conversation first, whatever the list's sort: creation time never
  changes, so Flownally's pages cannot shift under a walk that takes seconds (a
  conversation that gets a message mid-download is neither missed nor written twice).
- Cells that a spreadsheet would run as a formula get a leading `'` (OWASP, "CSV
  Injection"), and every cell is quoted, so a `;` in a name cannot start a new cell in a
  spreadsheet whose list separator is `;` (Excel in most of Europe). Phone numbers
  written `+48…` therefore read `'+48…`.
- UTF-8 with a byte-order mark, without which Excel reads "Zielińska" as "ZieliĹ„ska".
- Times are ISO 8601 in UTC, as Flownally gives them. An unassigned conversation has an
  empty assignee; an inbox or member Flownally cannot name is written as its ID.
- Failures: before the first row, a plain-text 502 (503 while the open queue is still
  being read for the first time). Once rows have been sent the status cannot change, so
  the file ends with a last line, one cell starting `INCOMPLETE:`, saying so and why.
"""

from __future__ import annotations

import csv
import io
import itertools
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.views.decorators.http import require_GET

from dashboard.accounts import members
from dashboard.accounts.roles import perm
from dashboard.conversations.filters import ListState
from dashboard.conversations.listing import CLOSED_AND_INDEX
from dashboard.core.upstream import Problem, describe
from dashboard.flownally import client, directory
from dashboard.flownally.errors import FlownallyError
from dashboard.flownally.models import Conversation
from dashboard.openqueue import reading, search

logger = logging.getLogger(__name__)

COLUMNS = (
    "ID",
    "Contact",
    "Address",
    "Channel",
    "Inbox",
    "Status",
    "Assignee",
    "Waiting since",
    "Last message at",
    "Unread",
)
ORDER = "createdAt:desc"
PAGE_SIZE = 100  # the contract's largest page
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
INCOMPLETE = "INCOMPLETE:"
FLUSH_CHARS = 32 * 1024  # rows are sent in chunks of about this size
BOM = "\ufeff"


@dataclass(frozen=True)
class _Source:
    conversations: Iterable[Conversation]
    inboxes: dict[str, str]
    users: dict[str, str]


@require_GET
@permission_required(perm("view_conversations"), raise_exception=True)
def conversation_export(request: HttpRequest) -> HttpResponseBase:
    state = ListState.from_query(request.GET)
    if state.from_index:
        source = _from_index(state, members.flownally_user_id(request.user))
    else:
        source = _from_flownally(state)
    if isinstance(source, HttpResponse):
        return source
    response = StreamingHttpResponse(_csv(source), content_type="text/csv; charset=utf-8")
    filename = f"conversations-{timezone.localdate():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


def _from_flownally(state: ListState) -> _Source | HttpResponse:
    """Flownally's walk, its first page read here: a failure then is still a 502."""
    walk = client.iter_conversations(
        status=state.status,
        interacted=state.api_params()["interacted"],
        sort=ORDER,
        page_size=PAGE_SIZE,
        cached=False,  # read once: a hundred cached pages would only crowd the cache
    )
    try:
        first, inboxes, users = client.fan_out(
            lambda: next(walk, None), directory.inbox_names, directory.user_names
        )
    except FlownallyError as error:
        return _refusal(502, describe(error))
    return _Source(itertools.chain([] if first is None else [first], walk), inboxes, users)


def _from_index(state: ListState, me: str | None) -> _Source | HttpResponse:
    criteria = state.criteria(me)
    if state.asks_closed and not criteria.statuses:
        return _refusal(
            400, Problem("Closed conversations cannot be filtered so", CLOSED_AND_INDEX)
        )
    # With open or pending as well, the file holds those, as the list shows them.
    queue = reading.current()
    if queue.index is None:
        if queue.failure is not None:
            return _refusal(502, queue.failure.problem)
        return _refusal(
            503,
            Problem(
                "The open queue is not read yet",
                "The dashboard is still reading every open conversation from Flownally; "
                "try again in a moment.",
            ),
        )
    found = search.find(queue.index, criteria, ORDER)
    return _Source(found.matches, queue.index.inboxes, queue.index.users)


def _refusal(status: int, problem: Problem) -> HttpResponse:
    lines = [problem.title + ".", problem.detail, problem.admin_hint]
    if problem.request_id:
        lines.append(f"Flownally request ID: {problem.request_id}")
    text = "\n".join(line for line in lines if line) + "\n"
    return HttpResponse(text, status=status, content_type="text/plain; charset=utf-8")


def _csv(source: _Source) -> Iterator[str]:
    """The file, in chunks: the header, a row per conversation, and, if the walk broke
    off, the line that says the file is incomplete."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL)
    buffer.write(BOM)
    writer.writerow(COLUMNS)
    written = 0
    try:
        for conversation in source.conversations:
            writer.writerow(row(conversation, source.inboxes, source.users))
            written += 1
            if buffer.tell() >= FLUSH_CHARS:
                yield _drain(buffer)
    except Exception as error:  # the status line is gone: the file itself must say it
        if isinstance(error, FlownallyError):
            logger.warning("Export broke off after %d rows: %s", written, error)
            problem = describe(error)
            why = f"{problem.title} ({problem.detail})"
        else:
            logger.exception("Export broke off after %d rows", written)
            why = "the dashboard had an internal error"
        writer.writerow(
            [
                f"{INCOMPLETE} the export stopped after {written} conversations because {why}. "
                "Rows are missing: download the file again."
            ]
        )
    yield _drain(buffer)


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def row(conversation: Conversation, inboxes: dict[str, str], users: dict[str, str]) -> list:
    """One conversation's cells, in the order of COLUMNS, safe for a spreadsheet."""
    c = conversation
    assignee = users.get(c.assignee_id, c.assignee_id) if c.assignee_id else ""
    cells = [
        c.id,
        c.name,
        c.external_id,
        c.channel,
        inboxes.get(c.inbox_id, c.inbox_id),
        c.status or "",
        assignee,
        _time(c.waiting_since),
        _time(c.last_message_at),
    ]
    return [*map(neutralise, cells), c.unread_count]


def neutralise(cell: str) -> str:
    """A cell a spreadsheet would run as a formula, made text by a leading `'`."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def _time(value: datetime | None) -> str:
    """ISO 8601 in UTC as Flownally writes it: `Z`, milliseconds only when there are some."""
    if value is None:
        return ""
    spec = "milliseconds" if value.microsecond else "seconds"
    return value.astimezone(UTC).isoformat(timespec=spec).replace("+00:00", "Z")
