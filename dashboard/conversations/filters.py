"""The conversation list's state, read from and written to the URL.

Everything that shapes the list is a query parameter: the filters GET /conversations
offers, the page size, the current page's cursor, and the `trail` of cursors of the pages
before it (so "previous" and the browser's back button work, and links can be shared).
The filters Flownally lacks (assignee, channel, inbox, waiting, q) are answered from the
open-queue index instead, and page through its matches by number (`page`).
A bad value in a shared or hand-edited link is dropped with a notice, never a crash.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from urllib.parse import urlencode

from django import forms
from django.core.exceptions import ValidationError

from dashboard.openqueue.search import CHANNELS, UNASSIGNED, Criteria

STATUSES = [("pending", "Pending"), ("open", "Open"), ("closed", "Closed")]
SORTS = [
    ("waitingSince:asc", "Longest waiting"),
    ("lastMessageAt:desc", "Newest activity"),
    ("lastMessageAt:asc", "Oldest activity"),
    ("createdAt:desc", "Newest conversations"),
]
INTERACTED = [("", "Anyone"), ("true", "Team has replied"), ("false", "No reply yet")]
SIZES = [(10, "10"), (25, "25"), (50, "50"), (100, "100")]
# Longest waiting first: a supervisor opens the list to see who is left waiting (as
# Chatwoot and Dynamics default supervisors to), not what happened last.
DEFAULT_SORT, DEFAULT_SIZE = "waitingSince:asc", 25
FLOWNALLY_SORT = "lastMessageAt:desc"  # Flownally's own default: not sent
FIRST_PAGE = "~"  # stands for "no cursor" inside the trail
MAX_TRAIL = 30  # pages remembered for "previous"; beyond that, previous starts over
ME = "me"
_ASSIGNEE = re.compile(rf"^(?:{UNASSIGNED}|{ME}|usr_[0-9A-Za-z]{{10,64}})$")
_INBOX = re.compile(r"^ibx_[0-9A-Za-z]{10,64}$")


class _Repeated(forms.Field):
    """A repeatable parameter (`?inbox=a&inbox=b`) whose every value matches `pattern`."""

    widget = forms.SelectMultiple

    def __init__(self, pattern: re.Pattern[str], **kwargs) -> None:
        super().__init__(required=False, **kwargs)
        self.pattern = pattern

    def to_python(self, value) -> tuple[str, ...]:
        values = tuple(dict.fromkeys(v for v in (value or ()) if v))[:50]
        if not all(isinstance(v, str) and self.pattern.fullmatch(v) for v in values):
            raise ValidationError("invalid")
        return values


class _Form(forms.Form):
    status = forms.MultipleChoiceField(choices=STATUSES, required=False)
    interacted = forms.ChoiceField(choices=INTERACTED, required=False)
    sort = forms.ChoiceField(choices=SORTS, required=False)
    size = forms.TypedChoiceField(
        choices=SIZES,
        coerce=int,
        required=False,
        empty_value=DEFAULT_SIZE,  # type: ignore[arg-type]  # the stubs want a str; any value works
    )
    cursor = forms.CharField(required=False, max_length=1000)
    trail = forms.CharField(required=False, max_length=MAX_TRAIL * 1001)
    assignee = _Repeated(_ASSIGNEE)
    channel = forms.MultipleChoiceField(choices=[(c, c) for c in CHANNELS], required=False)
    inbox = _Repeated(_INBOX)
    waiting = forms.IntegerField(required=False, min_value=0, max_value=525_600)
    q = forms.CharField(required=False, max_length=200)
    page = forms.IntegerField(required=False, min_value=1, max_value=100_000)


@dataclass(frozen=True)
class ListState:
    status: tuple[str, ...] = ()
    interacted: str = ""
    sort: str = DEFAULT_SORT
    size: int = DEFAULT_SIZE
    cursor: str = ""
    trail: tuple[str, ...] = ()
    # Answered from the open-queue index:
    assignee: tuple[str, ...] = ()
    channel: tuple[str, ...] = ()
    inbox: tuple[str, ...] = ()
    waiting: int | None = None
    q: str = ""
    page: int = 1
    notices: tuple[str, ...] = field(default=(), compare=False)

    @classmethod
    def from_query(cls, query) -> ListState:
        form = _Form(query)
        form.is_valid()
        data = form.cleaned_data
        notices = tuple(f"Ignored an invalid {name} in the link." for name in form.errors)
        trail = tuple(t for t in (data.get("trail") or "").split(",") if t)[-MAX_TRAIL:]
        return cls(
            status=tuple(data.get("status") or ()),
            interacted=data.get("interacted") or "",
            sort=data.get("sort") or DEFAULT_SORT,
            size=data.get("size") or DEFAULT_SIZE,
            cursor=data.get("cursor") or "",
            trail=trail,
            assignee=data.get("assignee") or (),
            channel=tuple(data.get("channel") or ()),
            inbox=data.get("inbox") or (),
            waiting=data.get("waiting"),
            q=(data.get("q") or "").strip(),
            page=data.get("page") or 1,
            notices=notices,
        )

    @property
    def from_index(self) -> bool:
        """Asks what only the open-queue index can answer."""
        return bool(
            self.assignee or self.channel or self.inbox or self.waiting is not None or self.q
        )

    @property
    def asks_closed(self) -> bool:
        return "closed" in self.status

    def criteria(self, me: str | None) -> Criteria:
        """The index's question; `me` is the Flownally member the account is linked to
        (unlinked, "me" matches nobody)."""
        assignees = tuple((me or "-") if a == ME else a for a in self.assignee)
        return Criteria(
            statuses=tuple(s for s in self.status if s != "closed"),
            interacted={"true": True, "false": False}.get(self.interacted),
            assignees=assignees,
            channels=self.channel,
            inboxes=self.inbox,
            waiting_minutes=self.waiting,
            q=self.q,
        )

    @property
    def first_page(self) -> bool:
        return self.page == 1 if self.from_index else not self.cursor

    @property
    def page_number(self) -> int:
        return self.page if self.from_index else len(self.trail) + 1

    def api_params(self) -> dict:
        return {
            "status": self.status,
            "interacted": {"true": True, "false": False}.get(self.interacted),
            "sort": None if self.sort == FLOWNALLY_SORT else self.sort,
            "page_size": self.size,
            "page_token": self.cursor or None,
        }

    def query(self) -> str:
        pairs = [("status", s) for s in self.status]
        pairs += [
            (k, v)
            for k, v in (
                ("interacted", self.interacted),
                ("sort", "" if self.sort == DEFAULT_SORT else self.sort),
            )
            if v
        ]
        if self.size != DEFAULT_SIZE:
            pairs.append(("size", str(self.size)))
        pairs += [("assignee", a) for a in self.assignee]
        pairs += [("channel", c) for c in self.channel]
        pairs += [("inbox", i) for i in self.inbox]
        if self.waiting is not None:
            pairs.append(("waiting", str(self.waiting)))
        if self.q:
            pairs.append(("q", self.q))
        if self.from_index:
            if self.page > 1:
                pairs.append(("page", str(self.page)))
        elif self.cursor:
            pairs += (
                [("cursor", self.cursor), ("trail", ",".join(self.trail))]
                if self.trail
                else [("cursor", self.cursor)]
            )
        return urlencode(pairs)

    def next_page(self, token: str) -> ListState:
        return replace(
            self, cursor=token, trail=(*self.trail, self.cursor or FIRST_PAGE)[-MAX_TRAIL:]
        )

    def previous_page(self) -> ListState | None:
        if not self.cursor:
            return None
        if not self.trail:
            return self.restart()
        previous = self.trail[-1]
        return replace(
            self, cursor="" if previous == FIRST_PAGE else previous, trail=self.trail[:-1]
        )

    def restart(self) -> ListState:
        """The same filters, first page."""
        return replace(self, cursor="", trail=(), page=1)

    def index_page(self, number: int) -> ListState:
        return replace(self, page=number, cursor="", trail=())

    def with_only(self, **changes) -> ListState:
        return replace(self, **changes).restart()
