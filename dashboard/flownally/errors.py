"""What can go wrong talking to Flownally, as types under one root.

`error_from_response` is the one place that maps a status and the contract's Error body to
a type. Messages never contain the API token: they are built from the status, the
contract's error code and message, and the path template, never from request headers.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class FieldError:
    field: str
    code: str
    message: str


@dataclass(eq=False)  # exceptions stay hashable and compare by identity
class FlownallyError(Exception):
    """Root of every client error. `status` is 0 when no HTTP answer arrived."""

    message: str
    status: int = 0
    code: str = ""
    request_id: str | None = None
    details: tuple[FieldError, ...] = field(default_factory=tuple)
    retry_after: float = 0.0  # seconds Flownally asked us to wait (429, 503, 409 in progress)

    def __str__(self) -> str:
        where = f" (request {self.request_id})" if self.request_id else ""
        return f"{self.message}{where}"


class ValidationFailed(FlownallyError):
    """422: the request was refused field by field; `details` says which and why."""

    def for_field(self, name: str) -> list[FieldError]:
        return [d for d in self.details if d.field == name or d.field.startswith(name + ".")]


class NotFound(FlownallyError):
    """404, or an ID that does not have the contract's format (no request was made)."""


class PermissionDenied(FlownallyError):
    """401/403: the dashboard's token is missing a scope or is wrong. A configuration
    problem for an admin to fix, not something the signed-in user did."""


class RateLimited(FlownallyError):
    """429: Flownally asks us to slow down for `retry_after` seconds."""


class Conflict(FlownallyError):
    """409: an idempotency key reused for another request, or one still in progress."""


class Unavailable(FlownallyError):
    """5xx, a connection that failed, or no answer in time: worth trying again later."""


class OutOfTime(Unavailable):
    """The page's budget ran out, not necessarily Flownally's patience: says nothing about
    Flownally's health (the circuit does not count it, waiters do not share it)."""


class BadResponse(FlownallyError):
    """Flownally answered, but not in the contract's shape (for example, not JSON)."""


def _retry_after(value: str | None) -> float:
    try:
        return max(0.0, float(value)) if value else 0.0
    except ValueError:
        return 0.0


def error_from_response(
    status: int, body: object, route: str, headers: dict[str, str]
) -> FlownallyError:
    """The error for a non-2xx answer, from its status and the contract's Error body."""
    error = body.get("error") if isinstance(body, dict) else None
    error = error if isinstance(error, dict) else {}
    code = str(error.get("code") or "")
    request_id = error.get("requestId") or headers.get("X-Request-Id")
    message = f"Flownally answered {status} to {route}"
    if error.get("message"):
        message += f": {error['message']}"
    details = tuple(
        FieldError(str(d.get("field", "")), str(d.get("code", "")), str(d.get("message", "")))
        for d in error.get("details") or ()
        if isinstance(d, dict)
    )
    kind: type[FlownallyError]
    if status == 422:
        kind = ValidationFailed
    elif status == 404:
        kind = NotFound
    elif status in (401, 403):
        kind = PermissionDenied
    elif status == 409:
        kind = Conflict
    elif status == 429:
        kind = RateLimited
    elif status >= 500:
        kind = Unavailable
    else:
        kind = BadResponse  # 400, 405, 413, 415…: a request we should never have built
    return kind(
        message, status, code, request_id, details, _retry_after(headers.get("Retry-After"))
    )
