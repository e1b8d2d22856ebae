"""One way to tell a person that Flownally had a problem, whatever page they are on."""

from __future__ import annotations

from dataclasses import dataclass

from dashboard.flownally.errors import (
    BadResponse,
    FlownallyError,
    NotFound,
    PermissionDenied,
    RateLimited,
    Unavailable,
    ValidationFailed,
)


@dataclass(frozen=True)
class Problem:
    title: str
    detail: str
    admin_hint: str = ""
    request_id: str | None = None


def describe(error: FlownallyError) -> Problem:
    """Plain words for an upstream error, and what an admin should check."""
    rid = error.request_id
    if isinstance(error, PermissionDenied):
        return Problem(
            "Flownally refused the dashboard's access",
            "This is a configuration problem, not something you did.",
            "An admin should check FLOWNALLY_API_TOKEN and the scopes it was given.",
            rid,
        )
    if isinstance(error, RateLimited):
        wait = f" for about {error.retry_after:.0f} s" if error.retry_after else ""
        return Problem(
            "Flownally asked us to slow down",
            f"Too many requests right now; try again{wait}.",
            "",
            rid,
        )
    if isinstance(error, BadResponse):
        return Problem(
            "Flownally sent an answer we could not read",
            "Try again in a moment.",
            "If it persists, an admin should check FLOWNALLY_API_URL points at the Flownally API.",
            rid,
        )
    if isinstance(error, Unavailable):
        return Problem(
            "Flownally is not answering right now",
            "It may be down or slow. This page will try again.",
            "If it persists, an admin should check FLOWNALLY_API_URL and the network to Flownally.",
            rid,
        )
    if isinstance(error, NotFound):
        return Problem("Not found", "It does not exist, or this account cannot see it.", "", rid)
    if isinstance(error, ValidationFailed):
        return Problem("Flownally refused the request", str(error), "", rid)
    return Problem("Flownally had a problem", str(error), "", rid)
