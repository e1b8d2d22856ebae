"""How the dashboard names a person to the others: "kasia (Kasia Lewandowska, team lead)".

The account's username, the Flownally team member it is linked to (as reply labels name
it, `senders`) and its role (`roles`). Asked on every page that says who else is here or
who acted lately, so it is kept as the sign-in backend keeps accounts: a changed role,
link or name of the account is seen at once, anything else within AUTH_CACHE_SECONDS.
"""

from __future__ import annotations

from django.contrib.auth.models import User

from dashboard.accounts.backends import remembered
from dashboard.accounts.members import flownally_user_id
from dashboard.accounts.roles import role_of
from dashboard.flownally import directory


def who(user: User) -> str:
    """The account as others see it named (one cache round trip when it is kept)."""
    return remembered(f"accounts:who:{user.pk}", user.pk, lambda: _who(user))


def _who(user: User) -> str:
    member = flownally_user_id(user)
    name = directory.user_names().get(member) if member else None
    role = role_of(user)
    about = ", ".join(part for part in (name, role.lower() if role else None) if part)
    return f"{user.get_username()} ({about})" if about else user.get_username()
