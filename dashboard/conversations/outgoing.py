"""What a reply or a new message sends: text, a template, or an uploaded file with its caption."""

from __future__ import annotations

from dashboard.conversations.forms import ReplyForm
from dashboard.flownally import client


def outgoing_content(form: ReplyForm, key: str) -> dict:
    """The content to send for a valid form; a file is uploaded first, under its own key
    derived from the form's, so a retried submit reuses the same upload."""
    upload = form.cleaned_data.get("file")
    if not upload:
        return form.content()
    media = client.media_upload(
        upload.name, form.mime_type(upload), upload.read(), idempotency_key=f"{key}-upload"
    )
    return client.media(media.media_id, (form.cleaned_data.get("body") or "").strip() or None)
