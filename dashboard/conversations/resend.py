"""Resending a failed message: the same content as a new message (Flownally has no retry).

Offered beside each failed outbound message, on the timeline and on the failed deliveries
page, to whoever may reply. Every press says what happened: sent (and the failed message
then shows "Resent as a new message by …" instead of its button), refused (Flownally's
reason, with a new key for the next press), or no answer (the same key goes again, so
pressing again cannot send twice). The form's key is the send's idempotency key, and a
short claim in the shared cache keeps two people's different keys from both sending.
"""

from __future__ import annotations

from collections.abc import Iterable

from django import forms as django_forms
from django.contrib import messages as flash
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST
from django_htmx.http import trigger_client_event

from dashboard.accounts.audit import audited
from dashboard.accounts.models import AuditEntry
from dashboard.accounts.roles import perm
from dashboard.accounts.senders import Resent, resent
from dashboard.conversations.forms import ActionForm, new_key, refusal_words, refused_for_good
from dashboard.core.htmx import HtmxHttpRequest
from dashboard.core.upstream import describe
from dashboard.flownally import client, directory
from dashboard.flownally.errors import FlownallyError, NotFound, ValidationFailed
from dashboard.flownally.models import MediaContent, Message, TemplateContent, TextContent

CLAIM_SECONDS = 60  # longer than any send waits for its answer
BLOCK = "conversations/_resend.html"


class ResendForm(ActionForm):
    """Only the key: what is sent is the failed message's own content, read again."""


def why_not(kind: str) -> str:
    """Why a failed message of this content type cannot be resent ("" when it can)."""
    if kind in ("text", "template", "media"):
        return ""
    return f"A {kind} message cannot be resent from here: this dashboard does not know how to send that kind."


def content_of(message: Message) -> dict | None:
    """The failed message's content as a send takes it (media by its upload's ID)."""
    content = message.content
    if isinstance(content, TextContent):
        return client.text(content.body)
    if isinstance(content, TemplateContent):
        return client.template(content.name, content.language, list(content.parameters))
    if isinstance(content, MediaContent):
        return client.media(content.media_id, content.caption)
    return None


def offers(
    failed: Iterable[tuple[str, str]], users: dict[str, str], allowed: tuple[str, ...] = ()
) -> dict[str, dict]:
    """Failed message ID -> what to show beside it: its resend, or why it cannot be resent,
    or a fresh key for its button (and a warning when the conversation takes only other
    content now: `allowed`, its sendability, where known). `failed`: (message ID, content
    type) of failed outbound messages. One query for them all."""
    failed = list(failed)
    done = resent([message_id for message_id, _ in failed], users)
    return {
        message_id: {
            "resent": done.get(message_id),
            "why_not": why_not(kind),
            "key": new_key(),
            "warning": _warning(kind, allowed),
        }
        for message_id, kind in failed
    }


def _warning(kind: str, allowed: tuple[str, ...]) -> str:
    if not allowed or kind in allowed:
        return ""
    takes = " or ".join(allowed)
    return f"Flownally takes only {takes} here now, so it will refuse this {kind}: a template is needed (the reply box)."


def resent_words(done: Resent) -> str:
    at = timezone.localtime(done.at)
    return f"Resent as a new message by {done.by}, {at:%H:%M}."


@require_POST
def resend(request: HtmxHttpRequest, conversation_id: str, message_id: str) -> HttpResponse:
    """POST /conversations/<id>/resend/<message_id>/: send a failed message's content again."""
    if not request.user.has_perm(perm("send_messages")):
        raise PermissionDenied
    block = {"conversation_id": conversation_id, "message_id": message_id, "can_resend": True}
    try:
        client.valid_id("cnv", conversation_id)
        client.valid_id("msg", message_id)
    except NotFound:
        said = "That is not a conversation and message of Flownally's: nothing was sent."
        return HttpResponse(said, status=404, content_type="text/plain; charset=utf-8")
    form = ResendForm(request.POST)
    if not form.is_valid():
        return _answer(request, block | {"key": new_key()}, _errors(form), 400)
    key = form.cleaned_data["idempotency_key"]
    block["key"] = key
    try:
        found = client.message_get(message_id)  # fresh: its delivery state decides
    except NotFound:
        return _answer(request, block, "There is no such message: nothing was sent.", 404)
    except FlownallyError as error:
        said = f"{describe(error).title}, so the message could not be checked: nothing was sent. Pressing again is safe."
        return _answer(request, block, said, 502)
    message = found.message
    if refusal := _refusal(message, conversation_id):
        return _answer(request, block, refusal, 404 if "not in this" in refusal else 409)
    users = directory.user_names()
    if done := resent([message_id], users).get(message_id):
        block["resent"] = done  # a second press of the same form, or someone else's
        return _answer(request, block, "It was already resent: nothing was sent again.", 200)
    content = content_of(message)
    if content is None:
        return _answer(request, block, why_not(message.content.type), 422)
    claim = f"resend:{message_id}"
    if not cache.add(claim, key, timeout=CLAIM_SECONDS) and cache.get(claim) != key:
        said = (
            "Someone is resending this message right now: look again in a moment. Nothing was sent."
        )
        return _answer(request, block, said, 409)
    try:
        with audited(
            request.user,
            AuditEntry.Action.RESEND,
            conversation_id=conversation_id,
            summary=f"resent {message_id} ({message.content.type})",
            idempotency_key=key,
        ) as entry:
            entry.resends = message_id
            entry.message_id = client.conversation_message_send(
                conversation_id, content, idempotency_key=key
            ).message.id
    except FlownallyError as error:
        if not refused_for_good(error):  # no answer, a 5xx, 429, in progress: maybe sent
            said = f"{describe(error).title}: it may or may not have been sent. Pressing again is safe: it is the same request, and cannot send twice."
            return _answer(request, block, said, 502)
        cache.delete(claim)
        block["key"] = new_key()  # refused for sure: the next press is a new request
        return _answer(request, block, _refused(error, message), 422)
    block["resent"] = resent([message_id], users).get(message_id) or Resent(
        entry.message_id, request.user.get_username(), entry.at
    )
    return _answer(request, block, "Sent as a new message.", 200, changed=True)


def _refusal(message: Message, conversation_id: str) -> str:
    if message.conversation_id != conversation_id:
        return "That message is not in this conversation: nothing was sent."
    if message.sender_type == "customer":
        return "That message came from the customer: only the team's messages can be resent."
    if message.delivery_status != "failed":
        return f"That message did not fail (it is {message.delivery_status}): nothing was sent."
    return ""


def _refused(error: FlownallyError, message: Message) -> str:
    if not isinstance(error, ValidationFailed):
        return refusal_words(error, describe(error).title).replace("changed", "sent")
    reasons = " ".join(d.message or d.code for d in error.details) or str(error)
    said = f"Flownally refused it: {reasons} Nothing was sent."
    if message.content.type != "template" and any(d.field == "content.type" for d in error.details):
        said += " A template is needed now: send one from the reply box."
    return said


def _errors(form: django_forms.Form) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


def _answer(
    request: HtmxHttpRequest, block: dict, said: str, status: int, *, changed: bool = False
) -> HttpResponse:
    """htmx: the resend block, re-rendered with what happened; else back to the page it
    was pressed on, with the same words."""
    if not request.htmx:
        (flash.success if status == 200 else flash.error)(request, said)
        if request.POST.get("back") == "failed":
            return redirect("failed_deliveries")
        return redirect("conversation", conversation_id=block["conversation_id"])
    offer = {"resent": block.get("resent"), "why_not": "", "key": block.get("key") or new_key()}
    context = {
        "message_id": block["message_id"],
        "conversation_id": block["conversation_id"],
        "offer": offer,
        "can_resend": True,
        "said": said,
        "refused": status != 200,  # 422 is swapped in; other refusals failures.js shows
        "back": request.POST.get("back", ""),
    }
    response = render(request, BLOCK, context, status=status)
    if changed:
        trigger_client_event(response, "timeline-changed")
    return response
