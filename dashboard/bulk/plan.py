"""What a bulk action will do, worked out before anything happens (no I/O).

A plan is a list of steps, one per conversation, each with the conversation as the
open-queue index last saw it and where it goes. "Spread evenly" gives each conversation to
whichever chosen member holds the fewest open ones, counting from the index and updating
as it goes; a conversation that would stay where it is has no step. `sentence` is the
preview's one line: "Reassign 42 conversations (30 from Kasia, 12 unassigned) → Ola 14,
Michał 14, Adam 14".
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from dashboard.flownally.models import Conversation

REASSIGN, SPREAD, CLOSE = "reassign", "spread", "close"
ACTIONS = (REASSIGN, SPREAD, CLOSE)


@dataclass(frozen=True)
class Step:
    conversation_id: str
    name: str
    before_assignee: str  # "" when unassigned
    before_status: str
    target: str  # usr_…; "" to close


@dataclass(frozen=True)
class Plan:
    action: str
    steps: tuple[Step, ...]
    staying: tuple[Step, ...] = ()  # selected, but already where they would go

    def targets(self) -> Counter[str]:
        return Counter(step.target for step in self.steps)


def step_for(conversation: Conversation, target: str) -> Step:
    return Step(
        conversation.id,
        conversation.name,
        conversation.assignee_id or "",
        conversation.status or "open",
        target,
    )


def make(
    action: str,
    conversations: Sequence[Conversation],
    *,
    assignee: str = "",
    members: Sequence[str] = (),
    holdings: Counter[str] | None = None,
) -> Plan:
    """The plan for `action` on `conversations`. `holdings`: open conversations per member
    in the whole queue (for spreading)."""
    if action == CLOSE:
        return Plan(action, tuple(step_for(c, "") for c in conversations))
    if action == REASSIGN:
        targets = [assignee] * len(conversations)
    else:
        targets = spread(conversations, members, holdings or Counter())
    steps: list[Step] = []
    staying: list[Step] = []
    for conversation, target in zip(conversations, targets, strict=True):
        step = step_for(conversation, target)
        (staying if step.before_assignee == target else steps).append(step)
    return Plan(action, tuple(steps), tuple(staying))


def spread(
    conversations: Sequence[Conversation], members: Sequence[str], holdings: Counter[str]
) -> list[str]:
    """Each conversation's member: the one holding the fewest at that moment (ties go to
    the one chosen first). What the selection itself takes from a member is not counted
    as theirs: it is being handed out."""
    selected = Counter(c.assignee_id or "" for c in conversations)
    load = {m: holdings.get(m, 0) - selected.get(m, 0) for m in members}
    order = {m: i for i, m in enumerate(members)}
    targets = []
    for _ in conversations:
        chosen = min(members, key=lambda m: (load[m], order[m]))
        load[chosen] += 1
        targets.append(chosen)
    return targets


def short_names(users: dict[str, str]) -> dict[str, str]:
    """First names where they tell people apart ("Kasia"), full names where they do not."""
    firsts = Counter(name.split()[0] for name in users.values() if name.split())
    return {
        uid: name.split()[0] if name.split() and firsts[name.split()[0]] == 1 else name
        for uid, name in users.items()
    }


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _sources(steps: Iterable[Step], names: dict[str, str]) -> str:
    counts = Counter(step.before_assignee for step in steps)
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0] == "", item[0]))
    return ", ".join(
        f"{count} unassigned" if not uid else f"{count} from {names.get(uid, uid)}"
        for uid, count in ordered
    )


def sentence(plan: Plan, users: dict[str, str], members: Sequence[str] = ()) -> str:
    """The preview's line, with team members' short names."""
    names = short_names(users)
    verb = "Close" if plan.action == CLOSE else "Reassign"
    text = f"{verb} {_plural(len(plan.steps), 'conversation')}"
    if plan.steps:
        text += f" ({_sources(plan.steps, names)})"
    if plan.action != CLOSE:
        targets = plan.targets()
        shown = list(dict.fromkeys([*members, *targets])) if members else list(targets)
        text += " → " + ", ".join(f"{names.get(uid, uid)} {targets.get(uid, 0)}" for uid in shown)
    return text
