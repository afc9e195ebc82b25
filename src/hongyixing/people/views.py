from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_POST

from hongyixing.areas.models import Household
from hongyixing.areas.queries import breadcrumbs
from hongyixing.core.bounds import parse_key
from hongyixing.core.errors import DomainError
from hongyixing.people import queries, services
from hongyixing.people.forms import RevealForm, SearchForm
from hongyixing.people.models import Person


def _after(request: HttpRequest) -> int | None:
    raw = request.GET.get("after", "")
    return parse_key(raw)


@login_required
def search(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET or None)
    result = None
    if form.is_valid() and form.cleaned_data["q"]:
        result = queries.search_persons(request.user, form.cleaned_data["q"], after=_after(request))
    return render(request, "people/search.html", {"form": form, "result": result})


def _visible_person(request: HttpRequest, person_id: int) -> Person:
    return get_object_or_404(
        Person.objects.restrict(request.user).select_related("household__unit", "grid"), pk=person_id
    )


@login_required
def person_detail(request: HttpRequest, person_id: int) -> HttpResponse:
    person = _visible_person(request, person_id)
    context: dict[str, Any] = {
        "person": person,
        "phones": person.phones.order_by("-is_primary", "id"),
        "can_reveal": person.in_scope(request.user, "reveal"),
        "can_edit": person.in_scope(request.user, "change"),
        "reveal_form": RevealForm(),
        "timeline": queries.timeline(person),
        "crumbs": breadcrumbs(request.user, person.household.unit, include_self=True)
        if person.household
        else [],
    }
    return render(request, "people/person.html", context)


@login_required
@require_POST
def reveal(request: HttpRequest, person_id: int) -> HttpResponse:
    person = _visible_person(request, person_id)
    form = RevealForm(request.POST)
    values: list[str] = []
    error = ""
    if form.is_valid():
        try:
            values = services.reveal(
                request.user, person, form.cleaned_data["field"], form.cleaned_data["reason"]
            )
        except DomainError as problem:
            error = problem.message
    else:
        error = " ".join(str(e) for errors in form.errors.values() for e in errors)
    return render(
        request,
        "people/_revealed.html",
        {
            "person": person,
            "values": values,
            "error": error,
            "field": request.POST.get("field", ""),
            "is_htmx": request.headers.get("HX-Request") == "true",
        },
    )


@login_required
def household_detail(request: HttpRequest, household_id: int) -> HttpResponse:
    household = get_object_or_404(
        Household.objects.restrict(request.user).select_related("unit", "grid"), pk=household_id
    )
    context = {
        "household": household,
        "can_edit": household.in_scope(request.user, "change"),
        "members": queries.household_members(request.user, household),
        "crumbs": breadcrumbs(request.user, household.unit, include_self=True),
    }
    return render(request, "people/household.html", context)
