"""`/bulk/preview/` and `/bulk/`: what a bulk action will do, said before it happens, and
who may ask for it."""

from __future__ import annotations

from collections import Counter

import pytest
from django_tasks_db.models import DBTaskResult

from dashboard.accounts.roles import SUPERVISOR, TEAM_LEAD, VIEWER
from dashboard.bulk.models import Item, Job
from tests.support.bulk import active_members, confirm, first_names

pytestmark = pytest.mark.django_db


def _by_assignee(truth: list[dict]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for c in truth:
        found.setdefault(c.get("assigneeId") or "", []).append(c["id"])
    return found


def test_the_preview_says_how_many_from_whom_and_to_whom(flownally, lead):
    held = _by_assignee(flownally.open_queue())
    names = first_names(flownally)
    kasia = next(uid for uid in held if uid and names[uid] == "Kasia")
    target = next(uid for uid in active_members(flownally) if uid not in (kasia, ""))
    chosen = held[kasia][:3] + held[""][:2]
    response = lead.post(
        "/bulk/preview/", {"action": "reassign", "conversation": chosen, "assignee": target}
    )
    assert response.status_code == 200
    expected = f"Reassign 5 conversations (3 from Kasia, 2 unassigned) → {names[target]} 5"
    assert response.context["sentence"] == expected
    html = response.content.decode()
    assert expected in html and "Confirm" in html and "Cancel" in html
    assert Job.objects.count() == 0  # a preview does nothing


def test_spreading_gives_each_to_whoever_holds_fewest(flownally, lead):
    truth = flownally.open_queue()
    held = _by_assignee(truth)
    members = active_members(flownally)[:3]
    response = lead.post(
        "/bulk/preview/", {"action": "spread", "holder": "unassigned", "member": members}
    )
    plan = response.context["plan"]
    assert len(plan.steps) == len(held[""])
    load = Counter(c.get("assigneeId") for c in truth)
    for step in plan.steps:
        assert step.target == min(members, key=lambda m: (load[m], members.index(m)))
        load[step.target] += 1
    names = first_names(flownally)
    counts = plan.targets()
    tail = ", ".join(f"{names[m]} {counts[m]}" for m in members)
    assert response.context["sentence"].endswith(f"unassigned) → {tail}")


def test_select_all_matching_takes_every_match_beyond_the_page(flownally, lead):
    truth = flownally.open_queue()
    lead.get("/team/")  # the open-queue index is read
    page = lead.get("/?status=open&size=10")
    assert page.context["match_count"] == sum(c["status"] == "open" for c in truth)
    assert "data-select-all" in page.content.decode()
    response = lead.post("/bulk/preview/", {"action": "close", "match": "status=open&size=10"})
    assert len(response.context["plan"].steps) == page.context["match_count"] > 10
    assert response.context["sentence"].startswith(f"Close {page.context['match_count']} ")


def test_confirming_starts_the_previewed_job_and_goes_to_its_page(flownally, lead):
    held = _by_assignee(flownally.open_queue())
    target = active_members(flownally)[0]
    chosen = [cid for uid, ids in held.items() if uid != target for cid in ids][:4]
    preview = lead.post(
        "/bulk/preview/", {"action": "reassign", "conversation": chosen, "assignee": target}
    )
    answer = confirm(lead, preview)
    job = Job.objects.get()
    assert answer.status_code == 302 and answer["Location"] == f"/bulk/{job.pk}/"
    assert [i.conversation_id for i in job.items.all()] == chosen
    assert {i.target for i in job.items.all()} == {target}
    assert DBTaskResult.objects.filter(id=job.task_id).exists()


def test_a_script_may_post_the_form_contract_without_a_preview(flownally, lead):
    members = active_members(flownally)[:2]
    answer = lead.post(
        "/bulk/", {"action": "spread", "match": "assignee=unassigned", "member": members}
    )
    job = Job.objects.get()
    assert answer["Location"] == f"/bulk/{job.pk}/"
    assert {i.target for i in job.items.all()} == set(members)


def test_an_altered_preview_is_refused(flownally, lead):
    held = _by_assignee(flownally.open_queue())
    target, other = active_members(flownally)[:2]
    preview = lead.post(
        "/bulk/preview/", {"action": "reassign", "conversation": held[""][:2], "assignee": target}
    )
    forged = lead.post(
        "/bulk/",
        {"action": "reassign", "conversation": held[""][:2], "assignee": other,
         "plan": preview.context["signed"]},
    )  # fmt: skip
    assert forged.status_code == 422
    assert Job.objects.count() == 0


@pytest.mark.parametrize("url", ["/bulk/", "/bulk/preview/"])
def test_a_viewer_s_forged_post_is_refused_and_nothing_is_enqueued(flownally, client_as, url):
    viewer = client_as(VIEWER)
    members = active_members(flownally)
    for data in (
        {"action": "reassign", "match": "", "assignee": members[0]},
        {"action": "close", "match": ""},
        {"action": "spread", "holder": "unassigned", "member": members[:2]},
        {},
    ):
        assert viewer.post(url, data).status_code == 403
    assert Job.objects.count() == Item.objects.count() == DBTaskResult.objects.count() == 0


def test_viewers_see_no_checkboxes_and_leads_do(flownally, client_as):
    for role, shown in ((VIEWER, False), (TEAM_LEAD, True), (SUPERVISOR, True)):
        client = client_as(role, username=role.replace(" ", "-").lower())
        for url in ("/?assignee=unassigned", "/team/"):
            html = client.get(url).content.decode()
            assert ('data-select="rows"' in html) is shown, (role, url)
            assert ('id="bulk-form"' in html) is shown, (role, url)


def test_a_viewer_may_not_open_or_cancel_a_job(flownally, lead, client_as):
    lead.post("/bulk/", {"action": "close", "match": "assignee=unassigned"})
    job = Job.objects.get()
    viewer = client_as(VIEWER)
    assert viewer.get(f"/bulk/{job.pk}/").status_code == 403
    assert viewer.post(f"/bulk/{job.pk}/cancel/").status_code == 403
    job.refresh_from_db()
    assert not job.cancel_requested


def test_a_team_page_row_selects_that_member_s_conversations(flownally, lead):
    held = _by_assignee(flownally.open_queue())
    member = max((uid for uid in held if uid), key=lambda uid: len(held[uid]))
    response = lead.post("/bulk/preview/", {"action": "close", "holder": member})
    assert sorted(s.conversation_id for s in response.context["plan"].steps) == sorted(held[member])
    assert ("match", f"assignee={member}") in response.context["fields"]


def test_a_lead_who_comes_before_the_first_walk_still_finds_every_member(
    flownally, lead, monkeypatch
):
    """The list never waits for a lead's walk: until the index exists, the toolbar's
    members come from Flownally's team list (this once left "Spread evenly" empty)."""
    from dashboard.openqueue import reading

    monkeypatch.setattr(reading, "current", lambda wait=0: reading.Reading(None, None, None))
    response = lead.get("/?status=open&status=pending")
    assert response.context["queue"].index is None
    offered = [uid for uid, _ in response.context["bulk"]["members"]]
    assert sorted(offered) == sorted(active_members(flownally))
    html = response.content.decode()
    for uid in offered:
        assert f'name="member" value="{uid}"' in html
