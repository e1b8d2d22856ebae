"""The API's routes: method and path to operation, the scope it needs, the type of its
path ID, the query parameters it defines, and its success status.

The operation is the name of the Backend method that serves it (backend.py), so this table
and that class together are the whole API surface.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote

from dashboard.simulator.errors import ApiError, not_found


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    operation: str
    scope: str
    label: str
    id_prefix: str | None = None  # the path ID's type, checked before anything runs
    query: frozenset[str] = frozenset()  # query parameters the operation defines


_PAGING = ("pageSize", "pageToken")
_LIST = (*_PAGING, "interacted", "status", "sort")


def _route(
    method: str,
    template: str,
    operation: str,
    scope: str,
    *,
    id_prefix: str | None = None,
    query: tuple[str, ...] = (),
) -> Route:
    regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template)
    return Route(
        method,
        re.compile(regex),
        operation,
        scope,
        f"{method} {template}",
        id_prefix=id_prefix,
        query=frozenset(query),
    )


# fmt: off
ROUTES = (
    _route("POST", "/messages", "message_send", "message:create"),
    _route("GET", "/messages/{id}", "message_get", "conversation:read", id_prefix="msg"),
    _route("POST", "/messages/{id}/reactions", "message_react", "message:create", id_prefix="msg"),
    _route("POST", "/media/uploads", "media_upload", "message:create"),
    _route("GET", "/media/{tenantId}/uploads/{id}", "media_download", "conversation:read", id_prefix="mda"),
    _route("GET", "/conversations", "conversation_list", "conversation:list", query=_LIST),
    _route("GET", "/conversations/{id}", "conversation_get", "conversation:read", id_prefix="cnv"),
    _route("GET", "/conversations/{id}/messages", "conversation_messages_list", "conversation:read", id_prefix="cnv", query=_PAGING),
    _route("POST", "/conversations/{id}/messages", "conversation_message_send", "message:create", id_prefix="cnv"),
    _route("POST", "/conversations/{id}/reassign", "conversation_reassign", "conversation:assign", id_prefix="cnv"),
    _route("POST", "/conversations/{id}/read", "conversation_read", "conversation:read", id_prefix="cnv"),
    _route("POST", "/conversations/{id}/close", "conversation_close", "conversation:close", id_prefix="cnv"),
    _route("GET", "/inboxes", "inbox_list", "inbox:read", query=_PAGING),
    _route("GET", "/users", "user_list", "user:read", query=_PAGING),
)
# fmt: on
# Every other operation answers 200.
SUCCESS_STATUS = {
    "message_send": 202,
    "conversation_message_send": 202,
    "media_upload": 201,
    "conversation_reassign": 204,
}


def match(method: str, path: str) -> tuple[Route, dict[str, str]]:
    """The route for a path under /v1 and its path parameters; 405 or 404 when none."""
    path = unquote(path)
    allowed = False  # the path exists, with other methods
    for route in ROUTES:
        found = route.pattern.fullmatch(path)
        if found:
            if route.method == method:
                return route, found.groupdict()
            allowed = True
    if allowed:
        methods = ", ".join(sorted(r.method for r in ROUTES if r.pattern.fullmatch(path)))
        raise ApiError(
            405,
            "method_not_allowed",
            f"{method} is not supported here.",
            headers={"Allow": methods},
        )
    raise not_found("route")
