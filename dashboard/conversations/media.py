"""Media files of messages, streamed from Flownally with the token kept server-side."""

from __future__ import annotations

from django.contrib.auth.decorators import permission_required
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.views.decorators.http import require_GET

from dashboard.accounts.roles import perm
from dashboard.flownally import client
from dashboard.flownally.errors import FlownallyError, NotFound

# Shown inline in the page; everything else is offered as a download.
INLINE = {"image/jpeg", "image/png", "image/webp"}
CHUNK = 64 * 1024


@require_GET
@permission_required(perm("view_conversations"), raise_exception=True)
def media_file(request: HttpRequest, tenant_id: str, media_id: str) -> HttpResponseBase:
    try:
        answer = client.media_download(client.media_url(tenant_id, media_id))
    except NotFound:
        raise Http404("No such file") from None
    except FlownallyError:
        return HttpResponse(
            "Flownally could not send this file right now. Try again in a moment.",
            status=502,
            content_type="text/plain",
        )
    upstream = answer.raw
    mime = (
        answer.headers.get("Content-Type", "application/octet-stream").split(";")[0].strip().lower()
    )
    inline = mime in INLINE
    response = StreamingHttpResponse(
        _stream(upstream), content_type=mime if inline else "application/octet-stream"
    )
    filename = _filename(answer.headers.get("Content-Disposition", ""), media_id)
    response["Content-Disposition"] = (
        f'{"inline" if inline else "attachment"}; filename="{filename}"'
    )
    if answer.headers.get("Content-Length", "").isdigit():
        response["Content-Length"] = answer.headers["Content-Length"]
    # A file from a customer never runs as a page of ours.
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cache-Control"] = "private, max-age=3600"
    return response


def _stream(upstream):
    try:
        yield from upstream.iter_content(CHUNK)
    finally:
        upstream.close()


def _filename(disposition: str, fallback: str) -> str:
    _, _, rest = disposition.partition('filename="')
    name = rest.split('"', 1)[0] if rest else fallback
    return "".join(ch for ch in name if ch.isascii() and (ch.isalnum() or ch in "._- ")) or fallback
