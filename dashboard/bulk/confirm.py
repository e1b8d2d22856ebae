"""`POST /bulk/`: start a bulk job and go to its page (`/bulk/<id>/`).

With the preview's signed plan, the job does exactly what the preview showed, and each
item remembers what its conversation looked like then. Without one (a script posting the
form contract directly), the plan is made now, from the open-queue index.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from dashboard.accounts import members
from dashboard.bulk import jobs, selection
from dashboard.bulk import plan as plans
from dashboard.bulk.preview import back_url, check_may, refused
from dashboard.openqueue import reading


@require_POST
def bulk_start(request: HttpRequest) -> HttpResponse:
    check_may(request)
    try:
        asked = selection.read(request.POST)
        if request.POST.get("plan"):
            plan, sentence = selection.unsign(request.POST["plan"], asked, request.user.pk)
        else:
            queue = reading.current()
            if queue.index is None:
                return refused(request, "The open queue is not read yet: try again in a moment.")
            me = members.flownally_user_id(request.user)
            plan, _ = selection.make_plan(asked, queue.index, me)
            sentence = plans.sentence(plan, queue.index.users, asked.members)
    except selection.Refused as error:
        return refused(request, str(error))
    if not plan.steps:
        messages.info(request, "Nothing to do: every selected conversation is already there.")
        return redirect(back_url(request))
    job = jobs.start(request.user, plan, sentence)
    return redirect("bulk_job", job_id=job.pk)
