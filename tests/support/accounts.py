"""Accounts the tests create."""

from __future__ import annotations

PASSWORD = "a-long-test-password"  # long enough for the password validators


def username_for(role: str | None) -> str:
    """The name of a test account with `role` (None: no role), e.g. "team-lead"."""
    return (role or "norole").replace(" ", "-").lower()
