"""Bulk jobs run by django-tasks-db's worker against a real simulator: each action, 429s,
an outage, conversations changed after the preview, cancel, keys, audit and the message."""

from __future__ import annotations

import time

import pytest
from django.contrib.messages import get_messages

from dashboard.accounts.models import AuditEntry
from dashboard.bulk.models import Item, Job
from tests.support.bulk import CLOSE, REASSIGN, active_members, confirm, processed
from tests.support.worker import drain

pytestmark = pytest.mark.django_db


def _held(sim) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for c in sim.open_queue():
        found.setdefault(c.get("assigneeId") or "", []).append(c["id"])
    return found


def _reassign(lead, sim, count: int, **form):
    """Preview and confirm reassigning `count` conversations not already with the target."""
    target = active_members(sim)[0]
    chosen = [cid for uid, ids in _held(sim).items() if uid != target for cid in ids][:count]
    preview = lead.post(
        "/bulk/preview/",
        {"action": "reassign", "conversation": chosen, "assignee": target, **form},
    )
    confirm(lead, preview)
    return Job.objects.latest("pk"), chosen, target


def _conversation(sim, cid: str) -> dict:
    return sim.api("GET", f"/conversations/{cid}").json()


def test_reassign_moves_each_conversation_once(flownally, lead, fast_jobs):
    job, chosen, target = _reassign(lead, flownally, 12)
    drain()
    job.refresh_from_db()
    assert job.state == Job.State.DONE and job.finished_at
    assert all(_conversation(flownally, cid)["assigneeId"] == target for cid in chosen)
    assert processed(flownally) == dict.fromkeys(chosen, 1)


def test_spread_gives_the_unassigned_queue_to_the_chosen_members(flownally, lead, fast_jobs):
    unassigned = _held(flownally)[""]
    members = active_members(flownally)[:3]
    preview = lead.post(
        "/bulk/preview/", {"action": "spread", "holder": "unassigned", "member": members}
    )
    planned = {s.conversation_id: s.target for s in preview.context["plan"].steps}
    confirm(lead, preview)
    drain()
    assert Job.objects.get().state == Job.State.DONE
    assert {cid: _conversation(flownally, cid)["assigneeId"] for cid in unassigned} == planned
    assert _held(flownally).get("", []) == []


def test_close_closes_each_conversation_once(flownally, lead, fast_jobs):
    chosen = _held(flownally)[""][:5]
    confirm(lead, lead.post("/bulk/preview/", {"action": "close", "conversation": chosen}))
    drain()
    assert all(_conversation(flownally, cid)["status"] == "closed" for cid in chosen)
    assert processed(flownally, CLOSE) == dict.fromkeys(chosen, 1)


@pytest.mark.slow  # waits out retries or intervals in real time
def test_a_429_storm_is_waited_out(flownally, lead, fast_jobs, settings):
    settings.FLOWNALLY_RETRIES = 0  # the job itself waits: nothing else hides the 429s
    flownally.add_fault(kind="rate_limit", status=429, path="/reassign$", times=8, retryAfter=1)
    job, chosen, _ = _reassign(lead, flownally, 6)
    started = time.monotonic()
    drain()
    job.refresh_from_db()
    assert job.state == Job.State.DONE
    assert processed(flownally) == dict.fromkeys(chosen, 1)
    limited = [e for e in flownally.request_log() if e["status"] == 429]
    assert len(limited) == 8
    after = [e for e in flownally.request_log(REASSIGN) if e["status"] == 204]
    # Nobody asked again before Retry-After had passed.
    assert min(e["startedAt"] for e in after) >= min(e["endedAt"] for e in limited) + 0.9
    assert time.monotonic() - started >= 1


@pytest.mark.slow  # waits out retries or intervals in real time
def test_an_outage_pauses_the_job_which_resumes_by_itself(flownally, lead, fast_jobs, settings):
    settings.BULK_CONCURRENCY = 1
    job, chosen, target = _reassign(lead, flownally, 8)
    flownally.add_fault(kind="error", status=503, exact_path=f"/conversations/{chosen[3]}")
    drain()
    job.refresh_from_db()
    assert job.state == Job.State.PAUSED and "not answering" in job.note
    assert job.items.filter(state=Item.State.DONE).count() == 3
    assert job.items.filter(state=Item.State.PENDING).count() == 5
    page = lead.get(f"/bulk/{job.pk}/")
    assert "trying again at" in page.content.decode()

    flownally.control("DELETE", "faults")  # Flownally is back
    time.sleep(settings.BULK_RESUME_SECONDS + 0.2)
    drain()  # the task it left for later is due now
    job.refresh_from_db()
    assert job.state == Job.State.DONE
    assert all(_conversation(flownally, cid)["assigneeId"] == target for cid in chosen)
    assert processed(flownally) == dict.fromkeys(chosen, 1)


def test_a_conversation_changed_after_the_preview_is_skipped_and_reported(
    flownally, lead, fast_jobs
):
    job_preview_target = active_members(flownally)[0]
    held = _held(flownally)
    chosen = [cid for uid, ids in held.items() if uid != job_preview_target for cid in ids][:5]
    preview = lead.post(
        "/bulk/preview/",
        {"action": "reassign", "conversation": chosen, "assignee": job_preview_target},
    )
    someone_else = next(
        uid
        for uid in active_members(flownally)
        if uid not in (job_preview_target, _conversation(flownally, chosen[0]).get("assigneeId"))
    )
    flownally.api("POST", f"/conversations/{chosen[0]}/reassign", json={"userId": someone_else})
    flownally.api("POST", f"/conversations/{chosen[1]}/close")
    confirm(lead, preview)
    drain()
    job = Job.objects.get()
    items = {i.conversation_id: i for i in job.items.all()}
    assert items[chosen[0]].state == Item.State.SKIPPED
    assert items[chosen[0]].reason == "reassigned since the preview"
    assert items[chosen[1]].state == Item.State.SKIPPED
    assert items[chosen[1]].reason == "closed since the preview"
    assert _conversation(flownally, chosen[0])["assigneeId"] == someone_else  # not overwritten
    assert {items[c].state for c in chosen[2:]} == {Item.State.DONE}
    page = lead.get(f"/bulk/{job.pk}/").content.decode()
    assert "reassigned since the preview" in page and "closed since the preview" in page
    assert "3 done, 2 skipped" in page


def test_cancel_before_a_worker_starts_it_does_nothing(flownally, lead, fast_jobs):
    job, _, _ = _reassign(lead, flownally, 5)
    answer = lead.post(f"/bulk/{job.pk}/cancel/")
    assert answer.status_code == 302
    drain()
    job.refresh_from_db()
    assert job.state == Job.State.CANCELLED
    assert set(job.items.values_list("state", flat=True)) == {Item.State.CANCELLED}
    assert processed(flownally) == {}


def test_cancel_stops_before_the_next_item_and_done_ones_stay_done(
    flownally, lead, fast_jobs, settings, monkeypatch
):
    from dashboard.bulk import record

    settings.BULK_CONCURRENCY = 1
    job, chosen, target = _reassign(lead, flownally, 10)
    item_done = record.item_done
    seen = []

    def cancel_after_the_third(*args):
        item_done(*args)
        seen.append(args)
        if len(seen) == 3:  # the person presses Cancel as the third is written down
            lead.post(f"/bulk/{job.pk}/cancel/")

    monkeypatch.setattr(record, "item_done", cancel_after_the_third)
    drain()
    job.refresh_from_db()
    assert job.state == Job.State.CANCELLED
    done = list(job.items.filter(state=Item.State.DONE).values_list("conversation_id", flat=True))
    assert done == chosen[:3]
    assert job.items.filter(state=Item.State.CANCELLED).count() == 7
    assert processed(flownally) == dict.fromkeys(chosen[:3], 1)
    assert all(_conversation(flownally, cid)["assigneeId"] == target for cid in done)


@pytest.mark.slow  # waits out retries or intervals in real time
def test_each_item_s_key_is_fixed_when_the_job_is_made_and_a_retry_replays(
    flownally, lead, fast_jobs, settings
):
    settings.FLOWNALLY_READ_TIMEOUT = 0.3
    job, chosen, _ = _reassign(lead, flownally, 4)
    keys = dict(job.items.values_list("conversation_id", "idempotency_key"))
    assert len(set(keys.values())) == 4
    # The first reassign is held past the client's patience, then done: the retry, with
    # the same key, is answered by Flownally's replay.
    flownally.add_fault(kind="timeout", path="/reassign$", times=1, delayMs=800)
    drain()
    job.refresh_from_db()
    assert job.state == Job.State.DONE
    assert dict(job.items.values_list("conversation_id", "idempotency_key")) == keys
    flownally.logged(4 + 2, route=REASSIGN)
    for entry in flownally.request_log(REASSIGN):
        assert entry["idempotencyKey"] == keys[entry["path"].split("/")[3]]
    assert any(e["replayed"] for e in flownally.request_log(REASSIGN))
    assert processed(flownally) == dict.fromkeys(chosen, 1)


def test_the_audit_log_has_an_entry_per_item_and_one_for_the_job(flownally, lead, fast_jobs):
    job, chosen, _ = _reassign(lead, flownally, 3)
    drain()
    entries = AuditEntry.objects.filter(action=AuditEntry.Action.REASSIGN)
    keys = dict(job.items.values_list("conversation_id", "idempotency_key"))
    assert {(e.conversation_id, e.idempotency_key, e.outcome) for e in entries} == {
        (cid, keys[cid], AuditEntry.Outcome.OK) for cid in chosen
    }
    (whole,) = AuditEntry.objects.filter(action=AuditEntry.Action.BULK)
    assert whole.username == "team-lead" and f"Bulk job {job.pk} done: 3 done" in whole.summary


def test_the_creator_is_told_the_outcome_on_their_next_page(flownally, lead, fast_jobs):
    job, _, _ = _reassign(lead, flownally, 2)
    drain()
    page = lead.get("/team/")
    told = [str(m) for m in get_messages(page.wsgi_request)]
    assert any(f"Bulk job {job.pk} done: 2 done" in m for m in told), told
    again = lead.get("/team/")
    assert not [m for m in get_messages(again.wsgi_request) if "Bulk job" in str(m)]


def test_the_progress_poll_stops_when_the_job_ends(flownally, lead, fast_jobs):
    job, _, _ = _reassign(lead, flownally, 2)
    running = lead.get(f"/bulk/{job.pk}/", headers={"HX-Request": "true"})
    assert running.status_code == 200 and 'hx-trigger="every' in running.content.decode()
    drain()
    ended = lead.get(f"/bulk/{job.pk}/", headers={"HX-Request": "true"})
    assert ended.status_code == 286
    assert 'value="2"' in ended.content.decode()
