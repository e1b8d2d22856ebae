"""The people page (/people/): supervisors create dashboard accounts, give each a role and
deactivate them, without needing the Django admin or a superuser. Every change is audited."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import permission_required
from django.contrib.auth.forms import UserCreationForm
from django.contrib.auth.models import AbstractUser, Group
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from dashboard.accounts.models import AuditEntry
from dashboard.accounts.roles import ROLES, perm, role_of

ROLE_CHOICES = [(role, role) for role in ROLES]


class NewAccountForm(UserCreationForm):
    role = forms.ChoiceField(choices=ROLE_CHOICES)

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ("username",)


class AccountForm(forms.Form):
    role = forms.ChoiceField(choices=ROLE_CHOICES)
    active = forms.BooleanField(required=False)


@require_http_methods(["GET", "POST"])
@permission_required(perm("manage_accounts"), raise_exception=True)
def people(request: HttpRequest) -> HttpResponse:
    form = NewAccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            user = form.save()
            user.groups.set([Group.objects.get(name=form.cleaned_data["role"])])
            _audit(
                request,
                AuditEntry.Action.ACCOUNT_CREATE,
                f"{user.username} as {form.cleaned_data['role']}",
            )
        messages.success(
            request, f"{user.username} can now sign in as {form.cleaned_data['role']}."
        )
        return redirect("people")
    status = 422 if request.method == "POST" else 200
    return render(request, "accounts/people.html", _context(form), status=status)


@require_POST
@permission_required(perm("manage_accounts"), raise_exception=True)
def account_change(request: HttpRequest, user_id: int) -> HttpResponse:
    user = get_object_or_404(get_user_model(), pk=user_id)
    form = AccountForm(request.POST)
    if not form.is_valid():
        messages.error(request, f"{user.username} was not changed: choose one of the roles.")
        return redirect("people")
    role, active = form.cleaned_data["role"], form.cleaned_data["active"]
    before = role_of(user)
    changes = []
    if role != before:
        changes.append(f"role {before or 'none'} → {role}")
    if active != user.is_active:
        changes.append("reactivated" if active else "deactivated")
    if not changes:
        return redirect("people")
    if user.pk == request.user.pk:
        # Nobody locks themselves out; another supervisor can do it if it is meant.
        messages.error(request, "You cannot change your own role or deactivate yourself.")
        return redirect("people")
    with transaction.atomic():
        user.groups.remove(*Group.objects.filter(name__in=ROLES))
        user.groups.add(Group.objects.get(name=role))
        user.is_active = active
        user.save(update_fields=["is_active"])
        _audit(request, AuditEntry.Action.ACCOUNT_CHANGE, f"{user.username}: {', '.join(changes)}")
    messages.success(request, f"{user.username}: {', '.join(changes)}.")
    return redirect("people")


def _context(form: NewAccountForm) -> dict:
    users = get_user_model().objects.order_by("-is_active", "username").prefetch_related("groups")
    rows = [(user, role_of(user)) for user in users]
    return {"form": form, "rows": rows, "roles": ROLES}


def _audit(request: HttpRequest, action: str, summary: str) -> None:
    user = request.user
    assert isinstance(user, AbstractUser)
    AuditEntry.objects.create(
        user=user,
        username=user.username,
        action=action,
        summary=summary[:300],
        outcome=AuditEntry.Outcome.OK,
    )
