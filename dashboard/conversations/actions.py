"""What a person does to a conversation: reply, reassign, close, mark read.

Every action: the permission is checked here (403 otherwise, whatever the page showed);
the form's idempotency key goes to Flownally, so a double submit sends once; the attempt
and Flownally's answer go to the audit log; a 422 is shown beside the field it concerns.
Without JavaScript an action redirects back to the page; with htmx it re-renders the
action panel and tells the timeline to refresh at once. When someone else acted on the
conversation a moment ago, the action asks first (conflicts.py).
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST
from django_htmx.http import trigger_client_event

from dashboard.accounts.audit import audited
from dashboard.accounts.members import flownally_user_id
from dashboard.accounts.models import AuditEntry
from dashboard.accounts.roles import perm
from dashboard.conversations import conflicts, forms
from dashboard.conversations.detail import render_detail
from dashboard.conversations.outgoing import outgoing_content
from dashboard.conversations.panel import panel_forms
from dashboard.conversations.template_names import template_names_used
from dashboard.core.htmx import HtmxHttpRequest
from dashboard.core.upstream import describe
from dashboard.flownally import client, directory
from dashboard.flownally.errors import FlownallyError, NotFound, ValidationFailed


def _attempt(
    request: HtmxHttpRequest,
    conversation_id: str,
    *,
    permission: str,
    make_form: Callable,
    action: str | Callable,
    run: Callable,
    check: Callable | None = None,
    ask: bool = False,
) -> tuple[forms.ActionForm, bool]:
    """Check, run and audit one action; (the form, whether it was done). A refusal or a
    failure is put on the form as errors. `check(form)` may refuse (a message) before
    anything is sent or audited; with `ask`, so may another account's recent action (the
    form's `conflict`, until the form comes back confirming it)."""
    if not request.user.has_perm(perm(permission)):
        raise PermissionDenied
    try:
        client.valid_id("cnv", conversation_id)
    except NotFound:
        raise Http404("No such conversation") from None
    form = make_form(request.POST)
    if not form.is_valid():
        return form, False
    try:
        refusal = check(form) if check else ""
    except FlownallyError as error:
        refusal = f"{describe(error).title}. Nothing was sent."
    if refusal:
        form.add_error(None, refusal)
        return form, False
    if ask and (
        conflict := conflicts.unconfirmed(
            conversation_id, request.user, request.POST.get("confirm")
        )
    ):
        form.conflict = conflict
        return form, False  # nothing sent, nothing audited: the same key goes again
    key = form.cleaned_data["idempotency_key"]
    summary = form.summary() if hasattr(form, "summary") else ""
    try:
        with audited(
            request.user,
            action(form) if callable(action) else action,
            conversation_id=conversation_id,
            summary=summary,
            idempotency_key=key,
        ) as entry:
            entry.message_id = run(form, key) or ""
    except NotFound:
        raise Http404("No such conversation") from None
    except ValidationFailed as error:
        form.add_upstream_errors(error)
        form.renew_key()  # refused for sure: the corrected request is a new one
    except FlownallyError as error:
        problem = describe(error)
        if forms.refused_for_good(error):
            form.add_error(None, forms.refusal_words(error, problem.title))
            form.renew_key()
        else:
            form.add_error(
                None,
                f"{problem.title}. Nothing was changed, or it may have been: look at the timeline before trying again.",
            )
    else:
        return form, True
    return form, False


def _act(
    request: HtmxHttpRequest,
    conversation_id: str,
    *,
    form_name: str,
    done: str,
    anyway: str,
    **attempt,
) -> HttpResponse:
    """An action from the panel: answered with the panel, re-rendered (htmx), or the page.
    Asked first when someone else just acted (`anyway`: the button that goes ahead)."""
    form, ok = _attempt(request, conversation_id, ask=True, **attempt)
    if ok:
        if not request.htmx:
            messages.success(request, done)
            return redirect("conversation", conversation_id=conversation_id)
        return _panel(request, conversation_id, {}, notice=done, changed=True)
    if (conflict := getattr(form, "conflict", None)) is not None:
        form.asking = {  # type: ignore[attr-defined]
            "words": conflicts.words(conflict),
            "confirm": conflict.id,
            "anyway": anyway,
            "conversation_id": conversation_id,
        }
        if not request.htmx:  # the page, the question inside the form
            return render_detail(request, conversation_id, bound={form_name: form}, status=409)
        # Not swapped: shown beside the form's button (failures.js), the form as it was.
        context = {"asking": form.asking}  # type: ignore[attr-defined]
        return render(request, "conversations/_confirm.html", context, status=409)
    if not request.htmx:
        return render_detail(request, conversation_id, bound={form_name: form}, status=422)
    return _panel(request, conversation_id, {form_name: form}, status=422)


def _panel(
    request: HtmxHttpRequest,
    conversation_id: str,
    bound: dict,
    *,
    notice: str = "",
    changed: bool = False,
    status: int = 200,
) -> HttpResponse:
    """The action panel, re-rendered; `changed` also refreshes the timeline. From stale
    copies when Flownally fails just after the action: the panel (with its new keys) is
    swapped in either way, so the next press is not refused as a reused key."""
    try:
        details, page, users = client.fan_out(
            lambda: client.conversation_get(conversation_id, allow_stale=True),
            lambda: client.conversation_messages(conversation_id, allow_stale=True),
            directory.user_names,
        )
    except FlownallyError as error:
        # No panel to swap in: this fragment is shown beside the control used (failures.js),
        # with what became of the action itself.
        said = [
            str(e) for form in bound.values() for errors in form.errors.values() for e in errors
        ]
        context = {"problem": describe(error), "notice": notice, "said": said}
        return render(request, "conversations/_panel_problem.html", context, status=502)
    newest = page.items[0].id if page.items else None
    context = {
        "conv": details,
        "panel_notice": notice,
        **panel_forms(details, newest, users, bound, me=flownally_user_id(request.user)),
    }
    response = render(request, "conversations/detail.html#actions", context, status=status)
    if changed:
        trigger_client_event(response, "timeline-changed")
    return response


def _channel(conversation_id: str) -> str | None:
    """The conversation's channel (it never changes: a cached copy will do); None when it
    cannot be read, and Flownally judges the content instead."""
    try:
        return client.conversation_get(conversation_id, allow_stale=True).channel
    except FlownallyError:
        return None


@require_POST
def reply(request: HtmxHttpRequest, conversation_id: str) -> HttpResponse:
    def run(form: forms.ReplyForm, key: str) -> str:
        return client.conversation_message_send(
            conversation_id, outgoing_content(form, key), idempotency_key=key
        ).message.id

    def make_form(data) -> forms.ReplyForm:
        return forms.ReplyForm(
            data,
            request.FILES,
            channel=_channel(conversation_id),
            used_templates=template_names_used(),
        )

    return _act(
        request,
        conversation_id,
        permission="send_messages",
        form_name="reply_form",
        anyway="Send anyway",
        make_form=make_form,
        action=AuditEntry.Action.REPLY,
        run=run,
        done="Message sent.",
    )


@require_POST
def reassign(request: HtmxHttpRequest, conversation_id: str) -> HttpResponse:
    users = directory.user_names()
    if not users and (chosen := request.POST.get("user_id")):
        # The team could not be read: Flownally checks the choice instead (and says if it
        # is down), rather than "not one of the available choices".
        users = {chosen: chosen}

    def run(form: forms.ReassignForm, key: str) -> None:
        client.conversation_reassign(
            conversation_id, form.cleaned_data["user_id"], idempotency_key=key
        )

    return _act(
        request,
        conversation_id,
        permission="reassign",
        form_name="reassign_form",
        anyway="Reassign anyway",
        make_form=lambda data: forms.ReassignForm(
            data, users=users, me=flownally_user_id(request.user)
        ),
        action=AuditEntry.Action.REASSIGN,
        run=run,
        done="Conversation reassigned.",
    )


@require_POST
def close(request: HtmxHttpRequest, conversation_id: str) -> HttpResponse:
    def run(form: forms.CloseForm, key: str) -> None:
        client.conversation_close(conversation_id, idempotency_key=key)

    return _act(
        request,
        conversation_id,
        permission="close",
        form_name="close_form",
        anyway="Close anyway",
        make_form=forms.CloseForm,
        action=AuditEntry.Action.CLOSE,
        run=run,
        done="Conversation closed.",
    )


@require_POST
def react(request: HtmxHttpRequest, conversation_id: str) -> HttpResponse:
    """Add a reaction to a message, or remove it (`removed`)."""

    def run(form: forms.ReactForm, key: str) -> str:
        data = form.cleaned_data
        client.message_react(
            data["message_id"],
            data["emoji"],
            removed=data["removed"],
            conversation_id=conversation_id,
            idempotency_key=key,
        )
        return data["message_id"]

    def check(form: forms.ReactForm) -> str:
        # Flownally reacts to any message the token can see; one from another conversation
        # would be audited against this one. A message never moves, so a stale copy will
        # do (the page's own messages first: during an outage that copy is there).
        message_id = form.cleaned_data["message_id"]
        try:
            shown = client.conversation_messages(conversation_id, allow_stale=True).items
            if any(m.id == message_id for m in shown):
                return ""
            found = client.message_get(message_id, allow_stale=True).conversation.id
        except NotFound:
            found = None
        return "" if found == conversation_id else "That message is not in this conversation."

    def action(form) -> str:
        return (
            AuditEntry.Action.UNREACT
            if form.cleaned_data.get("removed")
            else AuditEntry.Action.REACT
        )

    form, ok = _attempt(
        request,
        conversation_id,
        permission="react",
        make_form=forms.ReactForm,
        action=action,
        run=run,
        check=check,
    )
    if ok:
        if not request.htmx:
            messages.success(request, "Reaction sent.")
            return redirect("conversation", conversation_id=conversation_id)
        # The reaction shows in the timeline, which refreshes now; nothing else changes.
        response = HttpResponse(status=204)
        trigger_client_event(response, "timeline-changed")
        return response
    said = " ".join(str(error) for errors in form.errors.values() for error in errors)
    said = f"The reaction was not sent: {said}"
    if not request.htmx:
        messages.error(request, said)
        return redirect("conversation", conversation_id=conversation_id)
    # Beside the message reacted to (the form's target), whatever went wrong.
    return render(request, "conversations/_react_error.html", {"said": said}, status=422)


@require_POST
def mark_read(request: HtmxHttpRequest, conversation_id: str) -> HttpResponse:
    def run(form: forms.MarkReadForm, key: str) -> str:
        message_id = form.cleaned_data["last_message_id"]
        client.conversation_read(conversation_id, message_id, idempotency_key=key)
        return message_id

    return _act(
        request,
        conversation_id,
        permission="mark_read",
        form_name="read_form",
        anyway="Mark read anyway",
        make_form=forms.MarkReadForm,
        action=AuditEntry.Action.MARK_READ,
        run=run,
        done="Marked read.",
    )
