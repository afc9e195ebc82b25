"""The register's changes as pages: a person's 户籍变动 (move away, death, return, change household)
and a household's 整户迁移. Thin: the forms parse, people/lifecycle.py decides and writes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from hongyixing.areas.models import AdminUnit, Grid, Household
from hongyixing.core.bounds import parse_key
from hongyixing.core.errors import DomainError, NotFound
from hongyixing.core.forms import ServiceForm
from hongyixing.people import lifecycle
from hongyixing.people.lifecycle_forms import DeathForm, HouseholdMoveForm, JoinForm, MoveAwayForm
from hongyixing.people.models import Person

PERSON_FORMS: dict[str, type[ServiceForm]] = {
    "move_away": MoveAwayForm,
    "death": DeathForm,
    "move_in": JoinForm,
    "change_household": JoinForm,
}


def _household_by_number(request: HttpRequest, form: forms.Form) -> Household | None:
    number = form.cleaned_data["household_number"].strip()
    household = Household.objects.restrict(request.user, "change").filter(number=number).first()
    if household is None:
        form.add_error("household_number", _("No household with that number in your area."))
    return household


def _person_action(request: HttpRequest, person: Person, action: str, form: ServiceForm) -> bool:
    data = form.cleaned_data
    version = data.get("version")
    calls: dict[str, Callable[[], Any]] = {
        "death": lambda: lifecycle.do_record_death(request.user, person, data["on"], data["note"], version),
        "move_away": lambda: lifecycle.do_record_move_away(
            request.user, person, data["on"], data["destination"], data["note"], version
        ),
    }
    if action in ("move_in", "change_household"):
        household = _household_by_number(request, form)
        if household is None:
            return False
        do = lifecycle.do_record_move_in if action == "move_in" else lifecycle.do_move_person
        calls[action] = lambda: do(
            request.user, person, household, data["on"], data["note"], data["relation"], version
        )
    try:
        calls[action]()
    except NotFound:
        raise Http404 from None
    except DomainError as error:
        form.refuse(error)
        return False
    return True


def _done(action: str) -> str:
    return {
        "move_away": _("The move out of the district is recorded."),
        "death": _("The death is recorded."),
        "move_in": _("The return onto the register is recorded."),
        "change_household": _("The change of household is recorded."),
        "move_household": _("The household's move is recorded."),
    }[action]


@login_required
def person_register(request: HttpRequest, person_id: int) -> HttpResponse:
    """户籍变动: the person's register status and, for those who keep the register, its four forms."""
    person = get_object_or_404(
        Person.objects.restrict(request.user).select_related("household", "grid"), pk=person_id
    )
    may_change = person.in_scope(request.user, "change") and lifecycle.may_record(
        request.user, person.unit_path, person.grid_id
    )
    bound: dict[str, ServiceForm] = {}
    status = 200
    if request.method == "POST":
        if not person.in_scope(request.user, "change"):
            raise Http404
        action = request.POST.get("action", "")
        if action not in PERSON_FORMS:
            raise Http404
        form = PERSON_FORMS[action](request.POST, auto_id=f"{action}-%s")
        if form.is_valid() and _person_action(request, person, action, form):
            messages.success(request, _done(action))
            return redirect("people:person", person_id=person.pk)
        bound[action], status = form, 400
    initial = {"version": person.version}
    context = {
        "person": person,
        "may_change": may_change,
        # Four forms on one page: each its own element ids.
        "forms": {
            name: bound.get(name) or cls(initial=initial, auto_id=f"{name}-%s")
            for name, cls in PERSON_FORMS.items()
        },
        # Shown above the page when the refused form is not on it (a grid worker's attempt).
        "refusal": " ".join(str(e) for form in bound.values() for e in form.non_field_errors()),
    }
    return render(request, "people/register.html", context, status=status)


def _target_choices(user: Any, household: Household) -> list[tuple[str, str]]:
    village_path = household.unit_path[:12]
    units = (
        AdminUnit.objects.restrict(user, "change")
        .filter(path__startswith=village_path, level__in=lifecycle.HOUSEHOLD_LEVELS)
        .order_by("path")[:300]
    )
    grids = Grid.objects.restrict(user, "change").filter(unit_path=village_path).order_by("code")
    return [(f"u{u.pk}", f"{u.name}（{u.path}）") for u in units] + [
        (f"g{g.pk}", _("Grid: %(name)s") % {"name": g.name}) for g in grids
    ]


def _target(data: dict[str, Any]) -> AdminUnit | Grid | None:
    """The place the form names (not yet checked against the user's scope: the service does)."""
    code = (data.get("code") or "").strip()
    if code:
        return AdminUnit.objects.filter(Q(path=code) | Q(code=code)).first()
    raw = data.get("target") or ""
    key = parse_key(raw[1:]) if raw[:1] in ("u", "g") else None
    if key is None:
        return None
    model: Any = AdminUnit if raw[0] == "u" else Grid
    found: AdminUnit | Grid | None = model.objects.filter(pk=key).first()
    return found


@login_required
def household_move(request: HttpRequest, household_id: int) -> HttpResponse:
    """整户迁移: the whole household to another building/group or grid of the user's area."""
    household = get_object_or_404(
        Household.objects.restrict(request.user).select_related("unit", "grid"), pk=household_id
    )
    may_change = household.in_scope(request.user, "change") and lifecycle.may_record(
        request.user, household.unit_path, household.grid_id
    )
    form = HouseholdMoveForm(initial={"version": household.version})
    status = 200
    if request.method == "POST":
        if not household.in_scope(request.user, "change"):
            raise Http404
        form = HouseholdMoveForm(request.POST)
        if form.is_valid():
            target = _target(form.cleaned_data)
            data = form.cleaned_data
            try:
                if target is None:
                    raise NotFound
                lifecycle.do_move_household(
                    request.user, household, target, data["on"], data["note"], data.get("version")
                )
            except NotFound:
                form.add_error("target", _("No such place in your area."))
            except DomainError as error:
                form.refuse(error)
            else:
                messages.success(request, _done("move_household"))
                return redirect("people:household", household_id=household.pk)
        status = 400
    context = {
        "household": household,
        "may_change": may_change,
        "form": form,
        "choices": _target_choices(request.user, household) if may_change else [],
        "chosen": request.POST.get("target", ""),
    }
    return render(request, "people/household_move.html", context, status=status)
