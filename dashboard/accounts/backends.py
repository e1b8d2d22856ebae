"""Sign-in checks that cost no database query on a page that polls every two seconds.

Django's ModelBackend reads the user and then their permissions (two more queries) on
every request. Here the user and their permission set come from the cache in one round
trip, stamped with a generation that moves on whenever a user, a group, who-has-which-
permission, or the team member an account is linked to changes (signals below): a changed
role or a deactivated account takes effect on the very next request, as without the cache.
`remembered` keeps other per-account facts (which team member an account is) under the
same generation.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.db.models.signals import m2m_changed, post_delete, post_save

from dashboard.accounts.models import Member

_GENERATION = "accounts:auth-generation"
_KEEP_FOR = 300  # seconds


def forget_all(**_: object) -> None:
    """Make every cached user and permission set miss (a signal receiver)."""
    cache.add(_GENERATION, 0, None)
    try:
        cache.incr(_GENERATION)
    except ValueError:  # evicted between add and incr
        cache.set(_GENERATION, 1, None)


def remembered[T](key: str, load: Callable[[], T]) -> T:
    """`load()`, kept in the cache until anything about accounts changes (one round trip
    when it is there)."""
    found = cache.get_many([_GENERATION, key])
    generation, entry = found.get(_GENERATION, 0), found.get(key)
    if isinstance(entry, tuple) and entry[0] == generation:
        return entry[1]
    value = load()
    cache.set(key, (generation, value), _KEEP_FOR)  # stamped as in get_user, for the same reason
    return value


class CachedModelBackend(ModelBackend):
    def get_user(self, user_id):
        key = f"accounts:user:{user_id}"
        found = cache.get_many([_GENERATION, key])
        generation, entry = found.get(_GENERATION, 0), found.get(key)
        if isinstance(entry, tuple) and entry[0] == generation:
            user, permissions = entry[1], entry[2]
        else:
            user = super().get_user(user_id)
            if user is None:
                return None
            permissions = super().get_all_permissions(user)
            # Stamped with the generation read before the database was: a change made
            # meanwhile has moved it on, so this entry is already out of date, not wrong.
            cache.set(key, (generation, user, permissions), _KEEP_FOR)
        user._perm_cache = permissions  # what ModelBackend.has_perm consults
        return user


def connect() -> None:
    User = get_user_model()
    for model in (User, Group, Permission, Member):
        post_save.connect(forget_all, sender=model, dispatch_uid=f"auth-cache-save-{model}")
        post_delete.connect(forget_all, sender=model, dispatch_uid=f"auth-cache-del-{model}")
    for through in (User.groups.through, User.user_permissions.through, Group.permissions.through):
        m2m_changed.connect(forget_all, sender=through, dispatch_uid=f"auth-cache-m2m-{through}")
