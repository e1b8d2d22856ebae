"""The forms of the conversation page. Each carries an idempotency key made when the form
is rendered, so a double click or a retry after a timeout reaches Flownally once."""

from __future__ import annotations

import mimetypes
import uuid

from django import forms
from django.conf import settings
from django.http import QueryDict
from django.template.defaultfilters import filesizeformat

from dashboard.flownally.errors import BadResponse, FlownallyError, ValidationFailed

TEMPLATE_LANGUAGES = [
    ("en", "English"),
    ("pl", "Polish"),
    ("de", "German"),
    ("es", "Spanish"),
    ("pt_BR", "Portuguese (Brazil)"),
]


def new_key() -> str:
    return uuid.uuid4().hex


def refused_for_good(error: FlownallyError) -> bool:
    """Flownally answered and will never do this request: the next press is a new request,
    with a new key. Not after no answer or a 5xx (it may have been done: the same key must
    go again), a 429 (not done yet, but an earlier press with this key may have been) or a
    409 "in progress" (it is being done)."""
    status = error.status
    in_progress = status == 409 and error.code == "idempotency_in_progress"
    return 400 <= status < 500 and status != 429 and not in_progress


def refusal_words(error: FlownallyError, title: str) -> str:
    if error.code == "idempotency_key_reused":
        # This form's key went with a different request before (one that got no answer):
        # that one may have been done.
        return "This form was already used for a different request, which may have been sent: look first. Pressing again sends this one."
    if isinstance(error, BadResponse):  # a 400, 413, 415…: what Flownally said is the news
        return f"Flownally refused it ({error}). Nothing was changed."
    return f"{title}. Nothing was changed."


# What Flownally accepts (visible ASCII), within our length; anything else comes from a
# tampered or broken form, and would fail in the request's headers.
KEY_FORMAT = r"^[!-~]{1,64}$"


class ActionForm(forms.Form):
    idempotency_key = forms.RegexField(
        regex=KEY_FORMAT, widget=forms.HiddenInput, max_length=64, initial=new_key
    )

    # Flownally's 422 field paths -> this form's fields; anything else is a form-wide error.
    upstream_fields: dict[str, str] = {}

    def _choice_field(self, name: str) -> forms.ChoiceField:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        return field

    def clean(self) -> dict:
        data = super().clean() or {}
        if self.errors.pop("idempotency_key", None):
            # A hidden field: said where the form's own errors are, with a good key for the
            # next press. Nothing was sent.
            self.add_error(
                None, "This form could not be read (its hidden key is broken); nothing was sent."
            )
            self.renew_key()
        return data

    def renew_key(self) -> None:
        """A new idempotency key for the re-rendered form. Only after a definite refusal: after
        an unknown outcome (a timeout) the same key must go again, so it cannot send twice."""
        # A copy: request.POST is immutable.
        data = self.data.copy() if isinstance(self.data, QueryDict) else dict(self.data)
        data["idempotency_key"] = new_key()
        self.data = data

    def add_upstream_errors(self, error: ValidationFailed) -> None:
        """Show Flownally's refusal beside the field it concerns."""
        for detail in error.details or ():
            target = next(
                (
                    mine
                    for theirs, mine in self.upstream_fields.items()
                    if detail.field.startswith(theirs)
                ),
                None,
            )
            self.add_error(target, detail.message or detail.code)
        if not error.details:
            self.add_error(None, str(error))


KINDS = {"text": "Text", "template": "WhatsApp template", "media": "File"}


def takes_templates(channel: str | None) -> bool:
    """Templates are WhatsApp's alone (the contract's Sendability); a channel we do not know
    is offered them, and Flownally decides."""
    return channel in (None, "", "whatsapp")


def template_refusal(channel: str) -> str:
    return f"Templates are WhatsApp only; this is {channel}: send text instead."


class ReplyForm(ActionForm):
    kind = forms.ChoiceField(choices=list(KINDS.items()), initial="text", widget=forms.RadioSelect)
    body = forms.CharField(
        required=False, max_length=4096, widget=forms.Textarea(attrs={"rows": 3})
    )
    # Shadows BaseForm.template_name for type checkers only: the form metaclass moves
    # declared fields off the class, and the POST field name is the contract's.
    template_name = forms.RegexField(  # type: ignore[assignment]
        regex=r"^[a-z0-9_]{1,512}$",
        required=False,
        max_length=512,
        error_messages={"invalid": "Use lowercase letters, digits and underscores."},
    )
    template_language = forms.ChoiceField(choices=TEMPLATE_LANGUAGES, required=False, initial="en")
    file = forms.FileField(required=False, label="Attach a file")
    upstream_fields = {
        "content.text": "body",
        "content.template.name": "template_name",
        "content.template.language": "template_language",
        "content.type": "kind",
    }
    kinds: tuple[str, ...] = ("text", "template", "media")

    def __init__(
        self,
        *args,
        channel: str | None = None,
        used_templates: list[tuple[str, str]] | None = None,
        **kwargs,
    ) -> None:
        """`channel`: the conversation's; the kinds it cannot take are not offered, so a
        forged one is refused here rather than by Flownally. `used_templates`: (name,
        language) sent before, suggested under the name field (a new name is still fine)."""
        super().__init__(*args, **kwargs)
        self.used_templates = used_templates or []
        if self.used_templates:
            self.fields["template_name"].widget.attrs["list"] = "used-templates"
        self.offered = [k for k in self.kinds if k != "template" or takes_templates(channel)]
        field = self._choice_field("kind")
        field.choices = [(k, KINDS[k]) for k in self.offered]
        if channel and not takes_templates(channel):
            field.error_messages["invalid_choice"] = template_refusal(channel)

    def template_suggestions(self) -> list[tuple[str, str, str]]:
        """(name, language code, language said) for the name field's <datalist>."""
        said = dict(TEMPLATE_LANGUAGES)
        return [(name, lang, said.get(lang, lang)) for name, lang in self.used_templates]

    @property
    def offers_template(self) -> bool:
        return "template" in self.offered

    def clean(self) -> dict:
        data = super().clean() or {}
        upload = data.get("file")
        kind = data.get("kind")
        if upload and kind == "template":
            self.add_error("file", "A template cannot carry a file: choose File to send one.")
        elif upload:
            self._check_file(upload)  # sent as media, the message its caption
        elif kind == "media":
            self.add_error("file", "Choose a file to send.")
        elif kind == "text" and not (data.get("body") or "").strip():
            self.add_error("body", "Write a message.")
        if data.get("kind") == "template" and not data.get("template_name"):
            self.add_error("template_name", "Give the template's name.")
        return data

    def _check_file(self, upload) -> None:
        """Size and type, checked before anything is uploaded (Flownally checks again)."""
        if upload.size > settings.MEDIA_MAX_BYTES:
            self.add_error(
                "file",
                f"Files may be at most {filesizeformat(settings.MEDIA_MAX_BYTES)}; this one is {filesizeformat(upload.size)}.",
            )
        elif self.mime_type(upload) not in settings.MEDIA_ACCEPTED_TYPES:
            self.add_error(
                "file",
                "This type of file cannot be sent. Send an image (JPEG, PNG, WebP), a PDF, text, MP4 video or MP3/OGG audio.",
            )

    @staticmethod
    def mime_type(upload) -> str:
        declared = (upload.content_type or "").split(";")[0].strip().lower()
        if declared in ("", "application/octet-stream"):
            declared = mimetypes.guess_type(upload.name or "")[0] or ""
        return declared

    def content(self) -> dict:
        from dashboard.flownally import client

        data = self.cleaned_data
        if data["kind"] == "template":
            return client.template(data["template_name"], data["template_language"] or "en")
        return client.text(data["body"])

    def summary(self) -> str:
        data = self.cleaned_data
        if data.get("file"):
            return f"file {self.mime_type(data['file'])}, {filesizeformat(data['file'].size)}"
        if data["kind"] == "template":
            return f"template {data['template_name']} ({data['template_language']})"
        return f"text, {len(data['body'])} characters"


class ReassignForm(ActionForm):
    user_id = forms.ChoiceField(label="Assign to")
    upstream_fields = {"userId": "user_id"}

    def __init__(self, *args, users: dict[str, str], me: str | None = None, **kwargs) -> None:
        """`me`: the team member the signed-in account is linked to, offered first."""
        super().__init__(*args, **kwargs)
        self.users = users
        ordered = sorted(users.items(), key=lambda item: item[1].lower())
        if me in users:
            ordered = [(me, f"Me ({users[me]})"), *(item for item in ordered if item[0] != me)]
        self._choice_field("user_id").choices = ordered

    def summary(self) -> str:
        user_id = self.cleaned_data["user_id"]
        return f"to {self.users.get(user_id, user_id)}"


class CloseForm(ActionForm):
    pass


class MarkReadForm(ActionForm):
    last_message_id = forms.RegexField(regex=r"^msg_[0-9A-Za-z]{10,64}$", widget=forms.HiddenInput)
    upstream_fields = {"lastMessageId": "last_message_id"}


QUICK_REACTIONS = ("👍", "❤️", "😂", "🙏", "😮")


class ReactForm(ActionForm):
    message_id = forms.RegexField(regex=r"^msg_[0-9A-Za-z]{10,64}$", widget=forms.HiddenInput)
    emoji = forms.CharField(max_length=64)
    removed = forms.BooleanField(required=False)
    upstream_fields = {"emoji": "emoji"}

    def summary(self) -> str:
        data = self.cleaned_data
        return f"{'removed' if data['removed'] else 'added'} {data['emoji']}"


class NewMessageForm(ReplyForm):
    """A first message: from which inbox, to whom, what."""

    inbox_id = forms.ChoiceField(label="From inbox")
    recipient_kind = forms.ChoiceField(
        choices=[("channel", "A phone number or address"), ("contact", "An existing contact")],
        initial="channel",
        widget=forms.RadioSelect,
    )
    external_id = forms.CharField(label="Phone number or address", required=False, max_length=128)
    contact_id = forms.RegexField(
        regex=r"^con_[0-9A-Za-z]{10,64}$", label="Contact ID", required=False, max_length=80
    )
    upstream_fields = {
        **ReplyForm.upstream_fields,
        "recipient.externalId": "external_id",
        "recipient.contactId": "contact_id",
        "recipient": "recipient_kind",
        "inboxId": "inbox_id",
    }

    def __init__(self, *args, inboxes: list, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.channels = {inbox.id: inbox.channel for inbox in inboxes}
        self._choice_field("inbox_id").choices = [
            (inbox.id, f"{inbox.name} ({inbox.channel})") for inbox in inboxes
        ]

    def clean(self) -> dict:
        data = super().clean()
        channel = self.channels.get(data.get("inbox_id") or "")
        if data.get("kind") == "template" and channel and not takes_templates(channel):
            self.add_error("kind", template_refusal(channel))
        if data.get("recipient_kind") == "channel" and not (data.get("external_id") or "").strip():
            self.add_error("external_id", "Give the customer's number or address.")
        if data.get("recipient_kind") == "contact" and not data.get("contact_id"):
            self.add_error("contact_id", "Give the contact's ID (con_…).")
        return data

    def recipient(self) -> dict:
        from dashboard.flownally import client

        data = self.cleaned_data
        if data["recipient_kind"] == "contact":
            return client.to_contact(data["contact_id"])
        return client.to_channel(self.channels[data["inbox_id"]], data["external_id"].strip())
