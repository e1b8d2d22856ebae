"""Sign-in checks that cost no database query on a page that polls every two seconds.

Django's ModelBackend reads the user and then their permissions (two more queries) on
every request. Here the user and their permission set come from the cache in one round
trip, stamped with two generations: the user's own, moved on when that user, their groups,
their own permissions or the team member they are linked to change, and a shared one, moved
on when a role (a group's permissions) changes for everyone (signals below). A changed role
or a deactivated account takes effect on the very next request, as without the cache; a
sign-in (a save of `last_login` alone) changes nothing cached and touches nothing.

Changes that bypass the signals (a queryset `update()`, SQL, a shell without the cache URL)
are seen within AUTH_CACHE_SECONDS: no entry is trusted longer while the database answers. `remembered` keeps other
per-account facts (which team member an account is) the same way.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.db import DatabaseError
from django.db.models.signals import m2m_changed, post_delete, post_save

from dashboard.accounts.models import Member
from dashboard.core.counters import bump

_SHARED = "accounts:auth-generation"
# Entries outlive AUTH_CACHE_SECONDS only to be served while the database is down.
_KEEP_FOR = 3600


def _generation(user_pk: object) -> str:
    return f"accounts:auth-generation:{user_pk}"


def forget_everyone(**_: object) -> None:
    """Make every cached user and permission set miss (a role changed: rare)."""
    bump(_SHARED)


def forget_user(user_pk: object) -> None:
    """Make this user's cached entries miss, and nobody else's."""
    bump(_generation(user_pk))


def _user_saved(instance, update_fields=None, **_: object) -> None:
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        return  # a sign-in: nothing cached depends on when it was
    forget_user(instance.pk)


def _user_deleted(instance, **_: object) -> None:
    forget_user(instance.pk)


def _member_changed(instance, **_: object) -> None:
    forget_user(instance.user_id)


def _memberships_changed(instance, action, reverse, pk_set, **_: object) -> None:
    """A user's groups or own permissions: theirs alone, seen from either side."""
    if not action.startswith("post_"):
        return
    if not reverse:
        forget_user(instance.pk)
    elif pk_set is None:  # a group's or permission's users cleared: who is not said
        forget_everyone()
    else:
        for pk in pk_set:
            forget_user(pk)


def stamped_keys(key: str, user_pk: object) -> list[str]:
    """The keys `_stamped` reads in its one round trip (to read them with others)."""
    return [_SHARED, _generation(user_pk), key]


def _kept(found: dict, key: str, user_pk: object) -> tuple[tuple, tuple | None]:
    """(stamp, entry): the generations read, and the entry if its stamp is current."""
    stamp = (found.get(_SHARED, 0), found.get(_generation(user_pk), 0))
    entry = found.get(key)
    ok = isinstance(entry, tuple) and len(entry) == 3 and entry[0] == stamp
    return stamp, entry if ok else None


def fresh_user(found: dict, user_pk: object):
    """The user (with `_perm_cache`) `get_user` would return from the cache alone, given
    what `stamped_keys(user_key(user_pk), user_pk)` found; None when it would have to read
    the database (a miss, a stale stamp, an entry older than AUTH_CACHE_SECONDS)."""
    _, kept = _kept(found, user_key(user_pk), user_pk)
    if not kept or time.time() - kept[2] >= settings.AUTH_CACHE_SECONDS:
        return None
    user, permissions = kept[1]
    user._perm_cache = permissions
    return user


def user_key(user_pk: object) -> str:
    return f"accounts:user:{user_pk}"


def _stamped[T](key: str, user_pk: object, load: Callable[[], T | None]) -> T | None:
    """The value under `key` if its stamp is current and it is younger than
    AUTH_CACHE_SECONDS, else `load()` (cached unless None). While the database cannot be
    read, an entry whose stamp is current (no change known) is served however old: a
    signed-in screen keeps working through a database outage."""
    found = cache.get_many(stamped_keys(key, user_pk))
    stamp, kept = _kept(found, key, user_pk)
    if kept and time.time() - kept[2] < settings.AUTH_CACHE_SECONDS:
        return kept[1]
    try:
        value = load()
    except DatabaseError:
        if kept:
            return kept[1]
        raise
    if value is not None:
        # Stamped with the generations read before the database was: a change made
        # meanwhile has moved one on, so this entry is already out of date, not wrong.
        cache.set(key, (stamp, value, time.time()), _KEEP_FOR)
    return value


def remembered[T](key: str, user_pk: object, load: Callable[[], T]) -> T:
    """`load()`, kept until something about account `user_pk` (or a role) changes, and at
    most AUTH_CACHE_SECONDS (one round trip when it is there)."""
    value = _stamped(key, user_pk, load)
    assert value is not None, "remembered() does not cache None"
    return value


class CachedModelBackend(ModelBackend):
    def get_user(self, user_id):
        def load():
            user = super(CachedModelBackend, self).get_user(user_id)
            if user is None:
                return None
            return user, super(CachedModelBackend, self).get_all_permissions(user)

        found = _stamped(user_key(user_id), user_id, load)
        if found is None:
            return None
        user, permissions = found
        user._perm_cache = permissions  # what ModelBackend.has_perm consults
        return user


def connect() -> None:
    User = get_user_model()
    post_save.connect(_user_saved, sender=User, dispatch_uid="auth-cache-user-save")
    post_delete.connect(_user_deleted, sender=User, dispatch_uid="auth-cache-user-del")
    for signal in (post_save, post_delete):
        signal.connect(_member_changed, sender=Member, dispatch_uid=f"auth-cache-member-{signal}")
        for model in (Group, Permission):
            signal.connect(
                forget_everyone, sender=model, dispatch_uid=f"auth-cache-{model}-{signal}"
            )
    for through in (User.groups.through, User.user_permissions.through):
        m2m_changed.connect(
            _memberships_changed, sender=through, dispatch_uid=f"auth-cache-m2m-{through}"
        )
    m2m_changed.connect(
        forget_everyone, sender=Group.permissions.through, dispatch_uid="auth-cache-role"
    )
