"""Sign-in throttling (django-axes, configured in settings): who is locked out, what they
see, what the audit log says, and a supervisor's unlock.

Axes acts only when someone signs in (its backend, then its handler on Django's sign-in
signals); a page or a poll of a signed-in user never reaches it. Failures are rows in the
database every instance shares, so a lockout holds across instances, with or without Redis.
"""

from __future__ import annotations

from datetime import timedelta

from axes.backends import AxesStandaloneBackend
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_cool_off, get_failure_limit
from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Sum
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from dashboard.accounts.models import AuditEntry


class ThrottledSignIn(AxesStandaloneBackend):
    """Refuses a sign-in while its username or address is locked out.

    `authenticate()` without a request comes only from code, never from the network (the
    test client's `login`), and has no address to count: it is left to the next backend
    where Axes would raise.

    It has no `get_user` on purpose: Django's test client (`force_login`) and anything
    else that writes a session by hand must name the backend that does,
    dashboard.accounts.backends.CachedModelBackend."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)


def client_address(request: HttpRequest) -> str | None:
    """The address failures are counted against: the connection's, or behind
    SIGNIN_TRUSTED_PROXIES proxies the one the outermost of them saw.

    Each proxy appends the address it was reached from to X-Forwarded-For, so the N-th
    entry from the right is the last one a client cannot forge; entries further left are
    whatever the client sent."""
    proxies = settings.SIGNIN_TRUSTED_PROXIES
    forwarded = [a.strip() for a in request.headers.get("X-Forwarded-For", "").split(",")]
    if proxies and len(forwarded) >= proxies and forwarded[-proxies]:
        return forwarded[-proxies][:45]
    return request.META.get("REMOTE_ADDR")


def locked_out(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """The sign-in page's answer while locked out (Axes' AXES_LOCKOUT_CALLABLE)."""
    cool_off = get_cool_off(request) or timedelta(0)
    context = {"minutes": round(cool_off.total_seconds() / 60), "until": timezone.now() + cool_off}
    return render(request, "registration/locked_out.html", context, status=429)


@receiver(user_locked_out, dispatch_uid="audit-signin-lockout")
def _audit_lockout(sender, request, username, ip_address, **_: object) -> None:
    """One entry when a lockout begins (every refused attempt after it raises the signal
    again, and keeps the lock on for another cool-off)."""
    if getattr(request, "axes_failures_since_start", None) != get_failure_limit(request, None):
        return
    account = get_user_model().objects.filter(username=username).first() if username else None
    AuditEntry.objects.create(
        user=account,
        username=(username or "")[:150],
        action=AuditEntry.Action.SIGNIN_LOCK,
        summary=f"sign-in locked for {username or 'no username'} from {ip_address} after "
        f"{settings.AXES_FAILURE_LIMIT} failed attempts",
        outcome=AuditEntry.Outcome.OK,
    )


def lockouts() -> dict[str, list[tuple[str, int]]]:
    """Usernames and addresses locked out now, with their failure counts."""
    recent = AccessAttempt.objects.filter(
        attempt_time__gte=timezone.now() - (get_cool_off() or timedelta(0))
    )
    found = {}
    for field in ("username", "ip_address"):
        found[field] = [
            (row[field], row["failures"])
            for row in recent.values(field)
            .annotate(failures=Sum("failures_since_start"))
            .filter(failures__gte=settings.AXES_FAILURE_LIMIT)
            .order_by(field)
            if row[field]
        ]
    return found


def unlock(*, username: str = "", ip_address: str = "", by: User | AnonymousUser) -> int:
    """Forget the failures of a username or an address, and audit it (when there were any)."""
    if username:
        count = AxesProxyHandler.reset_attempts(username=username)
        what = username
    else:
        count = AxesProxyHandler.reset_attempts(ip_address=ip_address)
        what = f"address {ip_address}"
    if count:
        AuditEntry.objects.create(
            user=None if isinstance(by, AnonymousUser) else by,
            username=by.get_username() or "anonymous",
            action=AuditEntry.Action.SIGNIN_UNLOCK,
            summary=f"sign-in unlocked for {what}"[:300],
            outcome=AuditEntry.Outcome.OK,
        )
    return count
