"""A job whose worker died: django-tasks-db leaves its task RUNNING for ever; once the job's
lease has lapsed, a worker (or the job's page) gives it a new task, and the items are
sent again with their keys (replays, not second actions)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from dashboard.bulk import recovery
from dashboard.bulk.models import Item, Job
from tests.support.bulk import active_members, processed
from tests.support.worker import drain

pytestmark = pytest.mark.django_db


def _dead_worker_took(job: Job, *, lease_left: float) -> None:
    """What a worker killed mid-job leaves: its task RUNNING, the job leased to it, one
    item sent (so Flownally did it) but not written down."""
    DBTaskResult.objects.filter(id=job.task_id).update(
        status=TaskResultStatus.RUNNING,
        started_at=timezone.now() - timedelta(minutes=5),
        worker_ids=["dead"],
    )
    Job.objects.filter(pk=job.pk).update(
        state=Job.State.RUNNING,
        lease_owner="dead",
        lease_until=timezone.now() + timedelta(seconds=lease_left),
    )


@pytest.fixture
def job(flownally, lead, fast_jobs):
    target = active_members(flownally)[0]
    lead.post("/bulk/", {"action": "reassign", "match": "assignee=unassigned", "assignee": target})
    made = Job.objects.get()
    first = made.items.first()
    # The dead worker's one call, with the item's key.
    flownally.api(
        "POST",
        f"/conversations/{first.conversation_id}/reassign",
        json={"userId": target},
        headers={"Idempotency-Key": first.idempotency_key},
    )
    Item.objects.filter(pk=first.pk).update(attempts=1)
    return made


def test_a_job_whose_lease_lapsed_gets_a_new_task_and_finishes_once(flownally, job):
    _dead_worker_took(job, lease_left=-1)
    dead_task = job.task_id
    assert recovery.recover_all() == 1
    assert DBTaskResult.objects.get(id=dead_task).status == TaskResultStatus.FAILED
    job.refresh_from_db()
    assert job.task_id != dead_task and job.runs == 2
    drain()
    job.refresh_from_db()
    assert job.state == Job.State.DONE
    assert set(job.items.values_list("state", flat=True)) == {Item.State.DONE}
    ids = list(job.items.values_list("conversation_id", flat=True))
    assert processed(flownally) == dict.fromkeys(ids, 1)
    assert any(e["replayed"] for e in flownally.request_log("POST /conversations/{id}/reassign"))


def test_a_job_whose_worker_is_alive_is_left_alone(job):
    _dead_worker_took(job, lease_left=30)
    assert recovery.recover_all() == 0
    assert DBTaskResult.objects.filter(status=TaskResultStatus.READY).count() == 0


def test_a_waiting_job_is_not_taken_for_a_lost_one(job):
    assert recovery.recover_all() == 0
    assert DBTaskResult.objects.count() == 1


def test_the_job_page_requeues_a_job_that_lost_its_worker(flownally, lead, job):
    _dead_worker_took(job, lease_left=-1)
    assert lead.get(f"/bulk/{job.pk}/").status_code == 200
    assert DBTaskResult.objects.filter(status=TaskResultStatus.READY).count() == 1
    drain()
    job.refresh_from_db()
    assert job.state == Job.State.DONE
