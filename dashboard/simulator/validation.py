"""Request shape checks that answer 422 with one detail per bad field.

These check shape only (is it a well-formed text content?); whether it is allowed now
(the WhatsApp window, an existing inbox) is the backend's business.
"""

from __future__ import annotations

import re
import unicodedata

from dashboard.simulator import ids
from dashboard.simulator.errors import detail, invalid

CHANNELS = ("whatsapp", "sms", "email", "webchat")
CONTENT_TYPES = ("text", "template", "media")
_TEMPLATE_NAME = re.compile(r"[a-z0-9_]{1,512}")
_LANGUAGE = re.compile(r"[a-z]{2,3}(_[A-Z]{2})?")
_SHORTCODE = re.compile(r"[a-z0-9_+-]{1,64}")
_PHONE_NOISE = re.compile(r"[\s().-]")


class Problems:
    """Collects details so that one 422 names every bad field at once."""

    def __init__(self) -> None:
        self.details: list[dict] = []

    def add(self, field: str, code: str, message: str) -> None:
        self.details.append(detail(field, code, message))

    def raise_if_any(self) -> None:
        if self.details:
            raise invalid(*self.details)


def _object(value: object, field: str, problems: Problems) -> dict | None:
    if value is None:
        problems.add(field, "required", f"{field} is required.")
        return None
    if not isinstance(value, dict):
        problems.add(field, "invalid", f"{field} must be an object.")
        return None
    return value


def _string(
    value: object, field: str, problems: Problems, *, max_length: int, min_length: int = 1
) -> str | None:
    if value is None:
        problems.add(field, "required", f"{field} is required.")
    elif not isinstance(value, str):
        problems.add(field, "invalid", f"{field} must be a string.")
    elif len(value) < min_length or not value.strip():
        problems.add(field, "too_short", f"{field} must not be empty.")
    elif len(value) > max_length:
        problems.add(field, "too_long", f"{field} must be at most {max_length} characters.")
    else:
        return value
    return None


def _no_extra(obj: dict, allowed: set[str], field: str, problems: Problems) -> None:
    for name in sorted(set(obj) - allowed):
        problems.add(f"{field}.{name}", "unexpected", f"{field}.{name} is not allowed here.")


def content(value: object, problems: Problems, field: str = "content") -> dict | None:
    """A MessageContent with exactly one concrete variant, or None (problems recorded)."""
    obj = _object(value, field, problems)
    if obj is None:
        return None
    kind = obj.get("type")
    if not isinstance(kind, str) or kind not in CONTENT_TYPES:
        problems.add(
            f"{field}.type",
            "required" if kind is None else "invalid",
            f"{field}.type must be one of: {', '.join(CONTENT_TYPES)}.",
        )
        return None
    before = len(problems.details)
    _no_extra(obj, {"type", kind}, field, problems)
    variant = _object(obj.get(kind), f"{field}.{kind}", problems)
    if variant is None:
        return None
    where = f"{field}.{kind}"
    if kind == "text":
        _no_extra(variant, {"body"}, where, problems)
        _string(variant.get("body"), f"{where}.body", problems, max_length=4096)
    elif kind == "template":
        _no_extra(variant, {"name", "language", "parameters"}, where, problems)
        name = _string(variant.get("name"), f"{where}.name", problems, max_length=512)
        if name is not None and not _TEMPLATE_NAME.fullmatch(name):
            problems.add(
                f"{where}.name",
                "invalid",
                "Template names use lowercase letters, digits and underscores.",
            )
        language = _string(variant.get("language"), f"{where}.language", problems, max_length=6)
        if language is not None and not _LANGUAGE.fullmatch(language):
            problems.add(f"{where}.language", "invalid", "language must look like 'en' or 'pt_BR'.")
        parameters = variant.get("parameters")
        if parameters is not None and not (
            isinstance(parameters, list)
            and len(parameters) <= 20
            and all(isinstance(p, str) and 0 < len(p) <= 1024 for p in parameters)
        ):
            problems.add(
                f"{where}.parameters", "invalid", "parameters must be up to 20 non-empty strings."
            )
    else:
        _no_extra(variant, {"mediaId", "caption"}, where, problems)
        media_id = variant.get("mediaId")
        if media_id is None:
            problems.add(
                f"{where}.mediaId", "required", "mediaId is required; upload the file first."
            )
        elif not ids.matches("mda", media_id):
            problems.add(
                f"{where}.mediaId",
                "invalid",
                "mediaId must be an ID returned by POST /media/uploads.",
            )
        caption = variant.get("caption")
        if caption is not None:
            _string(caption, f"{where}.caption", problems, max_length=1024)
    return obj if len(problems.details) == before else None


def normalize_external_id(channel: str, external_id: str) -> str | None:
    """The canonical form Flownally stores: phone numbers as digits without '+'."""
    if channel in ("whatsapp", "sms"):
        digits = _PHONE_NOISE.sub("", external_id).removeprefix("+")
        return digits if digits.isdigit() and 6 <= len(digits) <= 15 else None
    if channel == "email":
        local, at, domain = external_id.strip().partition("@")
        return (
            f"{local}@{domain.lower()}"
            if at and local and "." in domain and " " not in external_id.strip()
            else None
        )
    return external_id if 0 < len(external_id) <= 128 else None


def recipient(value: object, problems: Problems) -> dict | None:
    obj = _object(value, "recipient", problems)
    if obj is None:
        return None
    kind = obj.get("type")
    fields = {
        "conversation": {"conversationId"},
        "contact": {"contactId"},
        "channel": {"channel", "externalId"},
    }
    if not isinstance(kind, str) or kind not in fields:
        problems.add(
            "recipient.type",
            "required" if kind is None else "invalid",
            "recipient.type must be one of: conversation, contact, channel.",
        )
        return None
    before = len(problems.details)
    _no_extra(obj, {"type"} | fields[kind], "recipient", problems)
    if kind == "conversation" and not ids.matches("cnv", obj.get("conversationId")):
        problems.add(
            "recipient.conversationId",
            "required" if obj.get("conversationId") is None else "invalid",
            "conversationId must be a conversation ID.",
        )
    elif kind == "contact" and not ids.matches("con", obj.get("contactId")):
        problems.add(
            "recipient.contactId",
            "required" if obj.get("contactId") is None else "invalid",
            "contactId must be a contact ID.",
        )
    elif kind == "channel":
        channel = obj.get("channel")
        if channel not in CHANNELS:
            problems.add(
                "recipient.channel",
                "required" if channel is None else "invalid",
                f"channel must be one of: {', '.join(CHANNELS)}.",
            )
        external = _string(obj.get("externalId"), "recipient.externalId", problems, max_length=128)
        if (
            channel in CHANNELS
            and external is not None
            and normalize_external_id(channel, external) is None
        ):
            problems.add(
                "recipient.externalId", "invalid", f"externalId is not a valid {channel} address."
            )
    return obj if len(problems.details) == before else None


def optional_id(value: object, prefix: str, field: str, problems: Problems) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not ids.matches(prefix, value):
        problems.add(field, "invalid", f"{field} must be an ID starting with '{prefix}_'.")
        return None
    return value


def required_id(body: dict, prefix: str, field: str) -> str:
    value = body.get(field)
    if value is None:
        raise invalid(detail(field, "required", f"{field} is required."))
    if not ids.matches(prefix, value):
        raise invalid(detail(field, "unknown", f"{field} does not name an existing record."))
    return value


def emoji(value: object) -> str:
    """One emoji (up to 8 code points with its modifiers) or a shortcode such as 'thumbsup'."""
    if value is None:
        raise invalid(detail("emoji", "required", "emoji is required."))
    if isinstance(value, str) and (_SHORTCODE.fullmatch(value) or _is_emoji(value)):
        return value
    raise invalid(
        detail("emoji", "invalid", "emoji must be one emoji or a shortcode like 'thumbsup'.")
    )


def _is_emoji(value: str) -> bool:
    if not 0 < len(value) <= 8 or any(ch.isascii() for ch in value):
        return False
    return any(unicodedata.category(ch) == "So" for ch in value)


def query_value(query: dict[str, list[str]], name: str) -> str | None:
    """A query parameter's value; the contract defines each parameter once, so the first."""
    values = query.get(name)
    return values[0] if values else None


def page_size(raw: str | None) -> int:
    if raw is None:
        return 25
    if not re.fullmatch(r"-?\d{1,6}", raw) or not 1 <= int(raw) <= 100:
        raise invalid(
            detail("pageSize", "out_of_range", "pageSize must be an integer from 1 to 100.")
        )
    return int(raw)


def boolean(raw: str | None, field: str) -> bool | None:
    if raw is None:
        return None
    if raw.lower() in ("true", "1"):
        return True
    if raw.lower() in ("false", "0"):
        return False
    raise invalid(detail(field, "invalid", f"{field} must be true or false."))
