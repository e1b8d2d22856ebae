"""The people page (/people/): supervisors create dashboard accounts, give each a role,
deactivate them and link each to the Flownally team member it belongs to, without needing
the Django admin or a superuser. Every change is audited."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import permission_required
from django.contrib.auth.forms import UserCreationForm
from django.contrib.auth.models import Group, User
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from dashboard.accounts import audit, members, signin
from dashboard.accounts.models import AuditEntry, Member
from dashboard.accounts.roles import ROLES, perm, role_of
from dashboard.flownally import directory

ROLE_CHOICES = [(role, role) for role in ROLES]


class NewAccountForm(UserCreationForm):
    role = forms.ChoiceField(choices=ROLE_CHOICES)

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ("username",)


class AccountForm(forms.Form):
    role = forms.ChoiceField(choices=ROLE_CHOICES)
    active = forms.BooleanField(required=False)


class MemberForm(forms.ModelForm):
    """Which team member an account is: one of those Flownally lists, or none. The model
    checks the ID's format and that no other account has it."""

    class Meta:
        model = Member
        fields = ("flownally_user_id",)

    def __init__(self, *args, team: dict[str, str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.team = team
        current = self.instance.flownally_user_id
        choices = [("", "Not linked"), *sorted(team.items(), key=lambda item: item[1].lower())]
        if current and current not in team:
            choices.append((current, current))  # Flownally no longer lists them (or is down)
        self.fields["flownally_user_id"].widget = forms.Select(choices=choices)

    def clean_flownally_user_id(self) -> str:
        chosen = self.cleaned_data["flownally_user_id"]
        if chosen:  # the format first: "not on the team" would hide a malformed ID
            Member._meta.get_field("flownally_user_id").run_validators(chosen)
        if chosen and chosen not in self.team and chosen != self.instance.flownally_user_id:
            raise forms.ValidationError(
                "Not one of Flownally's team members."
                if self.team
                else "Flownally's team could not be read; try again."
            )
        return chosen


@require_http_methods(["GET", "POST"])
@permission_required(perm("manage_accounts"), raise_exception=True)
def people(request: HttpRequest) -> HttpResponse:
    form = NewAccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            user = form.save()
            user.groups.set([Group.objects.get(name=form.cleaned_data["role"])])
            audit.recorded(
                request.user,
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
        audit.recorded(
            request.user, AuditEntry.Action.ACCOUNT_CHANGE, f"{user.username}: {', '.join(changes)}"
        )
    messages.success(request, f"{user.username}: {', '.join(changes)}.")
    return redirect("people")


@require_POST
@permission_required(perm("manage_accounts"), raise_exception=True)
def account_member(request: HttpRequest, user_id: int) -> HttpResponse:
    """Link an account to a team member (or unlink it). Your own too: it changes no access."""
    user = get_object_or_404(get_user_model(), pk=user_id)
    form = MemberForm(
        request.POST, instance=_member(user), team=directory.user_names(), auto_id=False
    )
    if not form.is_valid():
        said = " ".join(str(e) for errors in form.errors.values() for e in errors)
        messages.error(request, f"{user.username} was not linked: {said}")
        return redirect("people")
    summary = members.member_link(user, form.cleaned_data["flownally_user_id"], by=request.user)
    if summary:
        messages.success(request, f"{summary}.")
    return redirect("people")


@require_POST
@permission_required(perm("manage_accounts"), raise_exception=True)
def signin_unlock(request: HttpRequest) -> HttpResponse:
    """Lift a sign-in lockout (of a username, or an address) before its cool-off ends."""
    username = request.POST.get("username", "")
    ip_address = request.POST.get("ip_address", "")
    if not (username or ip_address):
        return redirect("people")
    what = username or f"address {ip_address}"
    if signin.unlock(username=username, ip_address=ip_address, by=request.user):
        messages.success(request, f"Sign-in unlocked for {what}.")
    else:
        messages.info(request, f"Sign-in was not locked for {what}.")
    return redirect("people")


def _member(user: User) -> Member:
    """The account's link, unsaved and blank when it has none yet."""
    try:
        return Member.objects.get(user=user)
    except Member.DoesNotExist:
        return Member(user=user)


def _context(form: NewAccountForm) -> dict:
    users = (
        get_user_model()
        .objects.order_by("-is_active", "username")
        .prefetch_related("groups")
        .select_related("member")
    )
    team = directory.user_names()
    rows = [
        (user, role_of(user), MemberForm(instance=_member(user), team=team, auto_id=False))
        for user in users
    ]
    return {
        "form": form,
        "rows": rows,
        "roles": ROLES,
        "team_known": bool(team),
        "lockouts": signin.lockouts(),
    }
