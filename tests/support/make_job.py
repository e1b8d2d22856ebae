"""Make a bulk job in another process's database (for tests and the benchmark that run
real `db_worker` processes), as

    python -m tests.support.make_job <count>

It reassigns the first `count` open conversations not already with the first active team
member to that member, straight from Flownally's list (no open-queue index needed), and
prints the job's ID."""

from __future__ import annotations

import os
import sys


def _make(count: int) -> int:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dashboard.settings")
    django.setup()
    from django.contrib.auth.models import AnonymousUser

    from dashboard.bulk import jobs, plan
    from dashboard.flownally import client

    target = next(u.id for u in client.iter_users() if u.active)
    found = [
        c
        for c in client.iter_conversations(status=["open", "pending"], page_size=100)
        if c.assignee_id != target
    ][:count]
    made = plan.make(plan.REASSIGN, found, assignee=target)
    job = jobs.start(AnonymousUser(), made, f"Reassign {len(made.steps)} conversations")
    print(job.pk, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(_make(int(sys.argv[1])))
