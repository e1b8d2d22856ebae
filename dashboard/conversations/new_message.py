"""New outbound message (`/messages/new/`): pick the sender inbox, a recipient, the content;
on 202 go to the conversation to watch delivery."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import permission_required
from django.http import HttpResponse
from django.shortcuts import redirect, render

from dashboard.accounts.audit import audited
from dashboard.accounts.models import AuditEntry
from dashboard.accounts.roles import perm
from dashboard.conversations.forms import NewMessageForm, refusal_words, refused_for_good
from dashboard.conversations.outgoing import outgoing_content
from dashboard.conversations.template_names import template_names_used
from dashboard.core.htmx import HtmxHttpRequest
from dashboard.core.upstream import describe
from dashboard.flownally import client
from dashboard.flownally.errors import FlownallyError, ValidationFailed


@permission_required(perm("send_messages"), raise_exception=True)
def new_message(request: HtmxHttpRequest) -> HttpResponse:
    try:
        inboxes = list(client.iter_inboxes())
    except FlownallyError as error:
        return render(
            request, "conversations/new_message.html", {"problem": describe(error)}, status=502
        )
    if request.method != "POST":
        form = NewMessageForm(
            inboxes=inboxes, initial={"kind": "template"}, used_templates=template_names_used()
        )
        return render(request, "conversations/new_message.html", _context(form))
    form = NewMessageForm(
        request.POST, request.FILES, inboxes=inboxes, used_templates=template_names_used()
    )
    if form.is_valid():
        key = form.cleaned_data["idempotency_key"]
        try:
            with audited(
                request.user,
                AuditEntry.Action.SEND_NEW,
                summary=form.summary(),
                idempotency_key=key,
            ) as entry:
                result = client.message_send(
                    form.recipient(),
                    outgoing_content(form, key),
                    inbox_id=form.cleaned_data["inbox_id"],
                    idempotency_key=key,
                )
                entry.conversation_id, entry.message_id = result.conversation.id, result.message.id
        except ValidationFailed as error:
            form.add_upstream_errors(error)
            form.renew_key()
        except FlownallyError as error:
            if refused_for_good(error):
                form.add_error(None, refusal_words(error, describe(error).title))
                form.renew_key()
            else:
                form.add_error(
                    None,
                    f"{describe(error).title}. It may or may not have been sent: check the conversation list before trying again.",
                )
        else:
            return redirect("conversation", conversation_id=result.conversation.id)
    return render(request, "conversations/new_message.html", _context(form), status=422)


def _context(form: NewMessageForm) -> dict:
    return {
        "form": form,
        "problem": None,
        "media_accept": ",".join(settings.MEDIA_ACCEPTED_TYPES),
        "media_max_bytes": settings.MEDIA_MAX_BYTES,
    }
