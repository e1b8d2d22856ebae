"""The conversation list's state, read from and written to the URL.

Everything that shapes the list is a query parameter: the filters GET /conversations
offers, the page size, the current page's cursor, and the `trail` of cursors of the pages
before it (so "previous" and the browser's back button work, and links can be shared).
A bad value in a shared or hand-edited link is dropped with a notice, never a crash.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from urllib.parse import urlencode

from django import forms

STATUSES = [("pending", "Pending"), ("open", "Open"), ("closed", "Closed")]
SORTS = [
    ("lastMessageAt:desc", "Newest activity"),
    ("waitingSince:asc", "Longest waiting"),
    ("lastMessageAt:asc", "Oldest activity"),
    ("createdAt:desc", "Newest conversations"),
]
INTERACTED = [("", "Anyone"), ("true", "Team has replied"), ("false", "No reply yet")]
SIZES = [(10, "10"), (25, "25"), (50, "50"), (100, "100")]
DEFAULT_SORT, DEFAULT_SIZE = "lastMessageAt:desc", 25
FIRST_PAGE = "~"  # stands for "no cursor" inside the trail
MAX_TRAIL = 30  # pages remembered for "previous"; beyond that, previous starts over


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


@dataclass(frozen=True)
class ListState:
    status: tuple[str, ...] = ()
    interacted: str = ""
    sort: str = DEFAULT_SORT
    size: int = DEFAULT_SIZE
    cursor: str = ""
    trail: tuple[str, ...] = ()
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
            notices=notices,
        )

    @property
    def first_page(self) -> bool:
        return not self.cursor

    @property
    def page_number(self) -> int:
        return len(self.trail) + 1

    def api_params(self) -> dict:
        return {
            "status": self.status,
            "interacted": {"true": True, "false": False}.get(self.interacted),
            "sort": None if self.sort == DEFAULT_SORT else self.sort,
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
        if self.cursor:
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
        return replace(self, cursor="", trail=())
