"""Kiosk links, for supervisors: create one per screen, see which are in use, revoke."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from dashboard.accounts.models import AuditEntry
from dashboard.accounts.roles import perm
from dashboard.wallboard.models import KioskLink


class KioskLinkForm(forms.Form):
    name = forms.CharField(
        max_length=80, strip=True, help_text="Where the screen is, e.g. “Support room TV”."
    )


# The link just made, for the page after the redirect (and only that one).
_CREATED = "kiosk_link_created"


@require_http_methods(["GET", "POST"])
@permission_required(perm("manage_kiosk_links"), raise_exception=True)
def kiosk_links(request: HttpRequest) -> HttpResponse:
    form = KioskLinkForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        link, token = KioskLink.create(form.cleaned_data["name"], request.user)
        _audit(request, AuditEntry.Action.KIOSK_CREATE, link)
        # Post/Redirect/Get: reloading the page that shows it must not make another link. The
        # token is not stored (only its hash), so the session carries it to the next page once.
        url = request.build_absolute_uri(reverse("kiosk", args=[token]))
        request.session[_CREATED] = {"pk": link.pk, "url": url}
        return redirect("kiosk_links")
    created = None
    if (shown := request.session.pop(_CREATED, None)) and not form.is_bound:
        made = KioskLink.objects.filter(pk=shown["pk"]).first()
        created = {"link": made, "url": shown["url"]} if made else None
    context = {"form": form, "created": created, "links": KioskLink.objects.all()}
    status = 422 if form.is_bound and form.errors else 200
    response = render(request, "wallboard/links.html", context, status=status)
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@permission_required(perm("manage_kiosk_links"), raise_exception=True)
def revoke(request: HttpRequest, pk: int) -> HttpResponse:
    link = get_object_or_404(KioskLink, pk=pk)
    if not link.revoked:  # revoking twice changes nothing and records nothing
        link.revoke(request.user)
        _audit(request, AuditEntry.Action.KIOSK_REVOKE, link)
    messages.success(
        request, f"“{link.name}” is revoked; its screen shows that at its next refresh."
    )
    return redirect("kiosk_links")


def _audit(request: HttpRequest, action: str, link: KioskLink) -> None:
    AuditEntry.objects.create(
        user=None if isinstance(request.user, AnonymousUser) else request.user,
        username=request.user.get_username(),
        action=action,
        summary=f"Kiosk link {link.pk}: {link.name}"[:300],
        outcome=AuditEntry.Outcome.OK,
    )
