"""Bulk actions as the tests drive them: the preview's confirm form posted back as the
browser would, and what the simulator's request log says was done."""

from __future__ import annotations

from collections import Counter

from tests.support.simulator import SimHandle

REASSIGN = "POST /conversations/{id}/reassign"
CLOSE = "POST /conversations/{id}/close"


def confirm(client, preview):
    """Post the preview's Confirm form (every hidden field, as a browser would)."""
    assert preview.status_code == 200, preview.content.decode()[:800]
    data: dict[str, list[str]] = {}
    for name, value in [*preview.context["fields"], ("plan", preview.context["signed"])]:
        data.setdefault(name, []).append(value)
    return client.post("/bulk/", data)


def processed(sim: SimHandle, route: str = REASSIGN) -> Counter[str]:
    """Conversation ID -> how many times Flownally acted on it (replays not counted)."""
    return Counter(
        entry["path"].split("/")[3]
        for entry in sim.request_log(route)
        if 200 <= (entry["status"] or 0) < 300 and not entry["replayed"]
    )


def first_names(sim: SimHandle) -> dict[str, str]:
    return {u["id"]: u["name"].split()[0] for u in sim.api("GET", "/users").json()["users"]}


def active_members(sim: SimHandle) -> list[str]:
    users = sim.api("GET", "/users").json()["users"]
    return [u["id"] for u in users if u.get("active", True)]
