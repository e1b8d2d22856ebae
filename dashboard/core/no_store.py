"""Pages made for a signed-in person are kept by no browser cache or proxy.

`Cache-Control: private, no-store` on every answer whose view looked at who asked and
found someone signed in, unless the view said otherwise (the media proxy, kiosk screens
with never_cache). Free: it asks only whether the request's user was already loaded, so
static files, /ping and /healthz, which never look, are left as they are.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.functional import empty


def no_store_when_signed_in(
    get_response: Callable[[HttpRequest], HttpResponse],
) -> Callable[[HttpRequest], HttpResponse]:
    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        if not response.has_header("Cache-Control") and _signed_in(request):
            response["Cache-Control"] = "private, no-store"
        return response

    return middleware


def _signed_in(request: HttpRequest) -> bool:
    user = request.__dict__.get("user")
    if user is None or getattr(user, "_wrapped", None) is empty:
        return False  # the view never asked who this is
    return bool(user.is_authenticated)
