"""Media: files uploaded to be sent in messages, and their download links.

An upload is checked the way the real API does: size, an accepted type (from the declared
content type, or else the file name), and for images and PDFs the file's first bytes, so
a renamed file is refused rather than sent to a customer.
"""

from __future__ import annotations

import mimetypes
import os

from dashboard.simulator import render, seed
from dashboard.simulator.errors import ApiError, detail, invalid, not_found
from dashboard.simulator.models import Media
from dashboard.simulator.state import TenantState

MAX_UPLOAD_BYTES = 16 * 1024 * 1024
ACCEPTED_MEDIA = {  # MIME type -> the contract's mediaType
    "image/jpeg": "image",
    "image/png": "image",
    "image/webp": "image",
    "application/pdf": "document",
    "text/plain": "document",
    "video/mp4": "video",
    "audio/mpeg": "audio",
    "audio/ogg": "audio",
}
_MAGIC = {
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "application/pdf": (b"%PDF-",),
}


def media_upload(
    state: TenantState, filename: str | None, content_type: str | None, data: bytes | None
) -> dict:
    if data is None:
        raise invalid(detail("file", "required", "Send the file as the multipart field 'file'."))
    if not data:
        raise invalid(detail("file", "too_short", "The file is empty."))
    if len(data) > MAX_UPLOAD_BYTES:
        raise ApiError(
            413,
            "payload_too_large",
            f"Files may be at most {MAX_UPLOAD_BYTES // (1024 * 1024)} MiB.",
        )
    name = _safe_filename(filename)
    mime = (content_type or "").split(";")[0].strip().lower()
    if mime in ("", "application/octet-stream"):
        mime = mimetypes.guess_type(name)[0] or ""
    if mime not in ACCEPTED_MEDIA:
        raise ApiError(
            415,
            "unsupported_media_type",
            f"Files of type {mime or 'unknown'} cannot be sent; accepted: {', '.join(sorted(ACCEPTED_MEDIA))}.",
        )
    if (mime in _MAGIC and not data.startswith(_MAGIC[mime])) or (
        mime == "image/webp" and not (data[:4] == b"RIFF" and data[8:12] == b"WEBP")
    ):
        raise ApiError(415, "unsupported_media_type", f"The file's content is not {mime}.")
    with state.lock:
        now = state.clock.now_ms()
        media = Media(state.new_id("mda", now), ACCEPTED_MEDIA[mime], mime, name, data, now)
        state.media[media.id] = media
        return render.media_upload(media)


def media_download(state: TenantState, tenant_id: str, media_id: str) -> Media:
    with state.lock:
        media = state.media.get(media_id)
        if media is None or tenant_id != seed.TENANT_ID:
            raise not_found("media")
        return media


def _safe_filename(filename: str | None) -> str:
    """The file's own name, without a client's path or characters no file system takes."""
    name = os.path.basename((filename or "").replace("\\", "/"))
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '<>:"|?*')[:255].strip()
    return name or "upload"
