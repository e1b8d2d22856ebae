"""Reading an upload: the one file in a multipart/form-data request body.

POST /media/uploads takes exactly one form field, named `file`; anything else is refused
with a detail per stray field, so a client learns every mistake from one answer.
"""

from __future__ import annotations

import email.parser
import email.policy
import hashlib
from dataclasses import dataclass

from dashboard.simulator.errors import ApiError, detail, invalid


@dataclass(frozen=True, slots=True)
class Upload:
    filename: str | None
    content_type: str | None  # None when the part declares none
    data: bytes

    @property
    def fingerprint(self) -> str:
        """What makes two uploads the same request, for idempotency."""
        return f"{self.filename}|{self.content_type}|{hashlib.sha256(self.data).hexdigest()}"


def read_upload(content_type: str, body: bytes) -> Upload:
    """The multipart field `file` of a request with this Content-Type and body."""
    if (
        not content_type.lower().startswith("multipart/form-data")
        or "boundary=" not in content_type
    ):
        raise ApiError(
            400,
            "invalid_multipart",
            "Send the file as multipart/form-data with a field named 'file'.",
        )
    # The stdlib's MIME parser reads form data too, once it is given the request's
    # Content-Type as the message's own header.
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\nMIME-Version: 1.0\r\n\r\n" + body
    )
    if not message.is_multipart():
        raise ApiError(400, "invalid_multipart", "The multipart body could not be read.")
    uploads: list[Upload] = []
    problems: list[dict] = []
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if name == "file" and not uploads:
            declared = part.get("Content-Type")
            payload = part.get_payload(decode=True)  # bytes, or None for a nested multipart
            uploads.append(
                Upload(
                    part.get_filename(),
                    declared and part.get_content_type(),
                    payload if isinstance(payload, bytes) else b"",
                )
            )
        else:
            problems.append(
                detail(str(name), "unexpected", "Send exactly one form field, named 'file'.")
            )
    if not uploads:
        problems.insert(
            0, detail("file", "required", "Send the file as the multipart field 'file'.")
        )
    if problems:
        raise invalid(*problems)
    return uploads[0]
