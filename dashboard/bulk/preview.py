"""`POST /bulk/preview/`: what a bulk action would do, before anything happens, with
Confirm (the form contract's fields, and the plan signed) and Cancel."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from dashboard.accounts import members
from dashboard.bulk import plan as plans
from dashboard.bulk import selection, toolbar
from dashboard.openqueue import reading

SHOWN = 200  # rows of the plan listed on the page


def back_url(request: HttpRequest) -> str:
    """Where Cancel leads: the page the selection was made on."""
    back = request.POST.get("next", "")
    safe = url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure())
    return back if back and safe else reverse("conversation_list")


def check_may(request: HttpRequest) -> None:
    """403 for anyone without the permission the action needs (Viewers: any action)."""
    if not toolbar.allowed(request.user)["any"]:
        raise PermissionDenied
    action = request.POST.get("action", "")
    if action in plans.ACTIONS and not request.user.has_perm(selection.permission_for(action)):
        raise PermissionDenied


def refused(request: HttpRequest, message: str) -> HttpResponse:
    context = {"refused": message, "back": back_url(request)}
    return render(request, "bulk/preview.html", context, status=422)


@require_POST
def bulk_preview(request: HttpRequest) -> HttpResponse:
    check_may(request)
    queue = reading.current()
    if queue.index is None:
        return refused(request, "The open queue is not read yet: try again in a moment.")
    try:
        asked = selection.read(request.POST)
        plan, missing = selection.make_plan(
            asked, queue.index, members.flownally_user_id(request.user)
        )
    except selection.Refused as error:
        return refused(request, str(error))
    users = queue.index.users
    sentence = plans.sentence(plan, users, asked.members)
    context = {
        "asked": asked,
        "plan": plan,
        "sentence": sentence,
        "missing": missing,
        "staying": len(plan.staying),
        "rows": [
            {
                "step": step,
                "before": users.get(step.before_assignee, ""),
                "to": users.get(step.target, ""),
            }
            for step in plan.steps[:SHOWN]
        ],
        "more": max(0, len(plan.steps) - SHOWN),
        "fields": asked.fields(),
        "signed": selection.sign(plan, asked, request.user.pk, sentence),
        "back": back_url(request),
    }
    return render(request, "bulk/preview.html", context)
