"""Which conversations a bulk form means, and what to do with them, read from its POST.

The form contract (links, scripts and tests rely on it): `action` (reassign, spread or
close); the conversations either as repeated `conversation=cnv_…` or as `match=` holding
the conversation list's query string (every match in the open-queue index, not only the
page shown; the team page sends repeated `holder=usr_…|unassigned`, which means the same
as a match on those assignees); `assignee=usr_…` to reassign, repeated `member=usr_…` to
spread. The preview adds `plan`: the plan it showed, signed, so the confirmed job does
exactly what was previewed and can tell what changed since.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.core import signing
from django.http import QueryDict

from dashboard.accounts.roles import perm
from dashboard.bulk import plan as plans
from dashboard.conversations.filters import ListState
from dashboard.flownally.models import Conversation
from dashboard.openqueue.index import Index
from dashboard.openqueue.search import UNASSIGNED, find

_CNV = re.compile(r"cnv_[0-9A-Za-z]{10,64}")
_USR = re.compile(r"usr_[0-9A-Za-z]{10,64}")
_PLAN_SALT = "dashboard.bulk.plan"
PLAN_MAX_AGE = 3600  # seconds a preview may be confirmed in


class Refused(Exception):
    """The form cannot be acted on; the message says why, to the person."""


@dataclass(frozen=True)
class Asked:
    action: str
    conversation_ids: tuple[str, ...]
    match: str | None  # the list's query string; None when conversations are listed
    assignee: str
    members: tuple[str, ...]

    def fields(self) -> list[tuple[str, str]]:
        """The form contract's fields, for the confirm form."""
        pairs = [("action", self.action)]
        if self.match is not None:
            pairs.append(("match", self.match))
        pairs += [("conversation", cid) for cid in self.conversation_ids]
        if self.action == plans.REASSIGN:
            pairs.append(("assignee", self.assignee))
        if self.action == plans.SPREAD:
            pairs += [("member", m) for m in self.members]
        return pairs


def permission_for(action: str) -> str:
    return perm("close" if action == plans.CLOSE else "reassign")


def read(post: QueryDict) -> Asked:
    """The request in `post`; Refused when it is incomplete or malformed."""
    action = post.get("action", "")
    if action not in plans.ACTIONS:
        raise Refused("Choose what to do: reassign, spread evenly or close.")
    ids = tuple(dict.fromkeys(post.getlist("conversation")))
    if not all(_CNV.fullmatch(cid) for cid in ids):
        raise Refused("The selection holds something that is not a conversation.")
    match = post.get("match") if "match" in post else None
    holders = post.getlist("holder")
    if match is None and holders:
        if not all(h == UNASSIGNED or _USR.fullmatch(h) for h in holders):
            raise Refused("The selection holds something that is not a team member.")
        match = urlencode([("assignee", h) for h in dict.fromkeys(holders)])
    if match is None and not ids:
        raise Refused("Select at least one conversation.")
    assignee = post.get("assignee", "") if action == plans.REASSIGN else ""
    members = tuple(dict.fromkeys(post.getlist("member"))) if action == plans.SPREAD else ()
    if action == plans.REASSIGN and not _USR.fullmatch(assignee):
        raise Refused("Choose the team member to reassign them to.")
    if action == plans.SPREAD and (not members or not all(_USR.fullmatch(m) for m in members)):
        raise Refused("Choose the team members to spread them over.")
    return Asked(action, () if match is not None else ids, match, assignee, members)


def conversations(asked: Asked, index: Index, me: str | None) -> tuple[list[Conversation], int]:
    """The selected open and pending conversations, from the index, in the list's order;
    and how many of the listed IDs it does not hold (closed, or gone)."""
    if asked.match is not None:
        state = ListState.from_query(QueryDict(asked.match))
        criteria = state.criteria(me)
        if state.asks_closed and not criteria.statuses:
            return [], 0  # closed alone: nothing in the open queue matches
        return find(index, criteria, state.sort).matches, 0
    held = {c.id: c for c in index.conversations}
    found = [held[cid] for cid in asked.conversation_ids if cid in held]
    return found, len(asked.conversation_ids) - len(found)


def check_team(asked: Asked, index: Index) -> None:
    """The chosen members must be active team members."""
    chosen = (asked.assignee,) if asked.assignee else asked.members
    if any(uid not in index.active_users for uid in chosen):
        raise Refused("Conversations can only go to active team members.")


def make_plan(asked: Asked, index: Index, me: str | None) -> tuple[plans.Plan, int]:
    """The plan for `asked` against the index now; and how many listed IDs were left out."""
    check_team(asked, index)
    found, missing = conversations(asked, index, me)
    if len(found) > settings.BULK_MAX_CONVERSATIONS:
        raise Refused(
            f"That is {len(found)} conversations; one bulk action takes at most "
            f"{settings.BULK_MAX_CONVERSATIONS}. Narrow the filter."
        )
    holdings = Counter(c.assignee_id or "" for c in index.conversations)
    made = plans.make(
        asked.action, found, assignee=asked.assignee, members=asked.members, holdings=holdings
    )
    return made, missing


def sign(plan: plans.Plan, asked: Asked, user_pk: object, sentence: str) -> str:
    steps = [
        [s.conversation_id, s.name, s.before_assignee, s.before_status, s.target]
        for s in plan.steps
    ]
    body = {"u": user_pk, "a": asked.fields(), "s": steps, "t": sentence}
    return signing.dumps(body, salt=_PLAN_SALT, compress=True)


def unsign(token: str, asked: Asked, user_pk: object) -> tuple[plans.Plan, str]:
    """The previewed plan and its sentence; Refused if it is not this person's preview of this request."""
    try:
        body = signing.loads(token, salt=_PLAN_SALT, max_age=PLAN_MAX_AGE)
    except signing.SignatureExpired:
        raise Refused("This preview is over an hour old: preview it again.") from None
    except signing.BadSignature:
        raise Refused("This preview was altered: preview it again.") from None
    if body.get("u") != user_pk or [tuple(f) for f in body.get("a", ())] != asked.fields():
        raise Refused("This preview does not belong to this request: preview it again.")
    steps = tuple(plans.Step(*map(str, row)) for row in body["s"])
    return plans.Plan(asked.action, steps), str(body.get("t", ""))
