from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_POST

from hongyixing.areas.models import Household
from hongyixing.areas.queries import breadcrumbs
from hongyixing.core import lists
from hongyixing.core.errors import DomainError
from hongyixing.core.scope import scope_for
from hongyixing.people import queries, services, worklists
from hongyixing.people.forms import RevealForm, SearchForm
from hongyixing.people.models import Person


@login_required
def search(request: HttpRequest) -> HttpResponse:
    """Find a person: the search box and the list's filters, paged with a (capped) total; the list
    appears once something is searched or filtered. ``?export=xlsx`` exports it masked and logged."""
    form = SearchForm(request.GET or None)
    text = form.cleaned_data["q"] if form.is_valid() else ""
    spec = worklists.person_spec(request.user)
    shown = bool(text) or worklists.has_filter(request.GET, spec)
    if shown and request.GET.get("export") == "xlsx":
        if scope_for(request.user, "export").is_empty:
            raise PermissionDenied
        persons = worklists.person_queryset(request.user, "export")
        if text:
            persons = queries.matching(persons, text)[1]
        return lists.export_response(request.user, request, persons, worklists.export_spec(request.user))
    persons = worklists.person_queryset(request.user)
    if text:
        kind, persons = queries.matching(persons, text)
        if kind == "name":
            spec.count_order = queries.NAME_ORDER
    elif worklists.counts_along_path(request.GET, spec):
        spec.count_order = worklists.PATH_ORDER
    # Before anything is searched the page offers the box and filters only (no list, no query).
    listing = lists.build_list(request, persons if shown else persons.none(), spec)
    return render(
        request,
        "people/search.html",
        {
            "form": form,
            "list": listing,
            "form_only": not shown,
            "can_export": not scope_for(request.user, "export").is_empty,
        },
    )


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
