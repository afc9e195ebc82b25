"""User administration pages (scoped to the administrator's area) and changing one's own password."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hongyixing.accounts import admin_services
from hongyixing.accounts.admin_forms import EnrolmentCodeForm, GrantForm, PasswordChangeForm, StaffUserForm
from hongyixing.accounts.models import Grant, User
from hongyixing.areas.choices import UnitLevel
from hongyixing.areas.district import district_path
from hongyixing.areas.models import AdminUnit, Grid
from hongyixing.core.errors import DomainError, NotFound

SHOWN_ONCE = "hyx_shown_once"
ENROL_ALLOWED = "hyx_enrol_allowed"
PENDING_USER = "hyx_pending_user"  # the login flow's user who passed the password (accounts.views)


def _require_administrator(request: HttpRequest) -> Any:
    if not admin_services.can_administer_users(request.user):
        raise Http404
    return request.user


def _places(actor: Any) -> list[tuple[str, str]]:
    """Units (district to village) and grids of the actor's area, as form choices: inside the district
    this installation serves, even for the superuser (the divisions file also holds the city's other
    districts, where nobody works in this system)."""
    context = admin_services.import_context(actor)
    if context is None:
        return []
    levels = [UnitLevel.DISTRICT, UnitLevel.TOWN, UnitLevel.VILLAGE]
    served = AdminUnit.objects.filter(level__in=levels, path__startswith=district_path()).order_by("path")
    units = [u for u in served if context.covers(u.path)]
    grids = [
        g
        for g in Grid.objects.filter(unit_path__startswith=district_path())
        .select_related("village")
        .order_by("code")
        if context.covers(g.unit_path)
    ]
    return [(f"unit:{u.pk}", f"{'　' * (len(u.path) // 3 - 2)}{u.name}") for u in units] + [
        (f"grid:{g.pk}", f"{g.village.name} · {g.name}") for g in grids
    ]


def _place(value: str) -> dict[str, Any]:
    kind, _sep, pk = value.partition(":")
    if kind == "unit":
        return {"unit": AdminUnit.objects.filter(pk=pk).first(), "grid": None}
    return {"unit": None, "grid": Grid.objects.filter(pk=pk).first()}


def _user_or_404(actor: Any, user_id: int) -> User:
    try:
        return admin_services.administered_user(actor, user_id)
    except NotFound as error:
        raise Http404 from error


@login_required
def users_view(request: HttpRequest) -> HttpResponse:
    actor = _require_administrator(request)
    places = _places(actor)
    form = StaffUserForm(request.POST or None, places=places)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user, password = admin_services.do_create_staff_user(
                actor,
                data["username"],
                data["display_name"],
                data["title"],
                data["role"],
                **_place(data["place"]),
            )
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, str(error.message))
        else:
            request.session[SHOWN_ONCE] = password
            return redirect("accounts:user", user_id=user.pk)
    users = admin_services.administered_users(actor).prefetch_related("grants__unit", "grants__grid")
    return render(request, "accounts/users.html", {"form": form, "users": users[:500]})


@login_required
def user_view(request: HttpRequest, user_id: int) -> HttpResponse:
    actor = _require_administrator(request)
    user = _user_or_404(actor, user_id)
    form = GrantForm(request.POST or None, places=_places(actor))
    if request.method == "POST" and form.is_valid():
        try:
            admin_services.do_add_grant(
                actor, user, form.cleaned_data["role"], **_place(form.cleaned_data["place"])
            )
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, str(error.message))
        else:
            messages.success(request, _("The grant was added."))
            return redirect("accounts:user", user_id=user.pk)
    context = {
        "subject": user,
        "form": form,
        "grants": Grant.objects.filter(user=user).select_related("unit", "grid"),
        "shown_once": request.session.pop(SHOWN_ONCE, None),
    }
    return render(request, "accounts/user.html", context)


@login_required
@require_POST
def user_action_view(request: HttpRequest, user_id: int, action: str) -> HttpResponse:
    actor = _require_administrator(request)
    user = _user_or_404(actor, user_id)
    if action == "deactivate":
        admin_services.do_set_active(actor, user, False)
        messages.success(request, _("The user can no longer sign in."))
    elif action == "activate":
        admin_services.do_set_active(actor, user, True)
        messages.success(request, _("The user can sign in again."))
    elif action == "reset_password":
        request.session[SHOWN_ONCE] = admin_services.do_reset_password(actor, user)
        messages.success(request, _("Give the user this temporary password; they must change it at sign-in."))
    elif action == "reset_second_factor":
        request.session[SHOWN_ONCE] = admin_services.do_reset_second_factor(actor, user)
        messages.success(request, _("The authenticator was unbound. Give the user this enrolment code."))
    elif action == "enrolment_code":
        request.session[SHOWN_ONCE] = admin_services.do_issue_enrolment_code(actor, user)
        messages.success(request, _("Give the user this enrolment code; it is valid for 72 hours."))
    else:
        raise Http404
    return redirect("accounts:user", user_id=user.pk)


@login_required
@require_POST
def remove_grant_view(request: HttpRequest, user_id: int, grant_id: int) -> HttpResponse:
    actor = _require_administrator(request)
    user = _user_or_404(actor, user_id)
    grant = Grant.objects.filter(user=user, pk=grant_id).first()
    if grant is None:
        raise Http404
    admin_services.do_remove_grant(actor, grant)
    messages.success(request, _("The grant was removed."))
    return redirect("accounts:user", user_id=user.pk)


@login_required
def password_view(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            admin_services.do_change_own_password(user, data["current"], data["new"], data["repeat"])
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, str(error.message))
        else:
            update_session_auth_hash(request, user)
            messages.success(request, _("Your password was changed."))
            return redirect("home")
    return render(request, "accounts/password.html", {"form": form, "forced": user.must_change_password})


def enrolment_code_step(request: HttpRequest, user: User) -> HttpResponse:
    """Before the enrolment page: the one-time code an administrator issued for this user."""
    from hongyixing.accounts.services import is_locked_out

    form = EnrolmentCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if is_locked_out(user.username):
            form.add_error(None, _("Too many failed attempts. Try again later."))
        elif admin_services.enrolment_code_valid(user, form.cleaned_data["enrolment_code"]):
            request.session[ENROL_ALLOWED] = user.pk
            return redirect("accounts:enrol")
        else:
            admin_services.record_failed_attempt(user.username)
            form.add_error("enrolment_code", _("That enrolment code is not correct or has expired."))
    return render(request, "accounts/enrol_code.html", {"form": form})


def first_password_view(request: HttpRequest) -> HttpResponse:
    """A new user who must bind a second factor first chooses their own password (then may enrol)."""
    pending = request.session.get(PENDING_USER)
    user = (
        User.objects.filter(pk=pending, is_active=True, must_change_password=True).first()
        if pending
        else None
    )
    if user is None:
        raise Http404
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            admin_services.do_change_own_password(user, data["current"], data["new"], data["repeat"])
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, str(error.message))
        else:
            request.session[ENROL_ALLOWED] = user.pk
            return redirect("accounts:enrol")
    return render(request, "accounts/password.html", {"form": form, "forced": True})
