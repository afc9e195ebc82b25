"""Screening campaigns (地毯式排查): the campaign pages and the grid worker's door-to-door visit.
Thin faces over services and queries."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hongyixing.areas.models import AdminUnit, Grid, Household
from hongyixing.command import queries, services, worklists
from hongyixing.command.forms import (
    CampaignForm,
    VisitForm,
)
from hongyixing.command.models import (
    Campaign,
    Visit,
)
from hongyixing.command.view_helpers import can_export, export_list, form_errors
from hongyixing.control.choices import MeasureType
from hongyixing.core import lists, offline
from hongyixing.core.errors import DomainError
from hongyixing.core.scope import path_prefix_q
from hongyixing.people.models import Person


def _campaign_units(user: Any) -> list[AdminUnit]:
    """Where the user may run a campaign: their command units and the units one level below."""
    units = queries.command_units(user)
    below = (
        AdminUnit.objects.restrict(user, "change")
        .filter(parent_id__in=[u.pk for u in units])
        .order_by("path")
    )
    return [u for u in [*units, *below] if services.may_change(user, u.path)]


@login_required
def campaigns(request: HttpRequest) -> HttpResponse:
    units = _campaign_units(request.user)
    form = None
    if units:
        today = timezone.localdate()
        form = CampaignForm(
            request.POST or None,
            units=[(u.pk, u.name) for u in units],
            initial={"starts_on": today, "ends_on": today + dt.timedelta(days=3)},
        )
        if request.method == "POST" and form.is_valid():
            unit = next(u for u in units if str(u.pk) == form.cleaned_data["unit"])
            try:
                campaign = services.do_create_campaign(
                    request.user,
                    unit,
                    form.cleaned_data["title"],
                    form.cleaned_data["starts_on"],
                    form.cleaned_data["ends_on"],
                    form.cleaned_data["checklist"],
                )
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                return redirect("command:campaign", campaign_id=campaign.pk)
    elif request.method == "POST":
        raise Http404
    return render(
        request, "command/campaigns.html", {"campaigns": queries.campaigns(request.user)[:100], "form": form}
    )


def _campaign(request: HttpRequest, campaign_id: int) -> Campaign:
    return get_object_or_404(Campaign.objects.restrict(request.user).select_related("unit"), pk=campaign_id)


@login_required
def campaign_detail(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = _campaign(request, campaign_id)
    spec = worklists.household_spec(request.user, campaign)
    if request.GET.get("export") == "xlsx":
        return export_list(request, worklists.household_queryset(request.user, campaign, "export"), spec)
    within = request.GET.get("within", "")
    rows, total, level = queries.coverage(request.user, campaign, within)
    base = queries.coverage_base(campaign, within)
    return render(
        request,
        "command/campaign.html",
        {
            "campaign": campaign,
            "rows": rows,
            "total": total,
            "level": level,
            "base": AdminUnit.objects.filter(path=base).first(),
            "within": within if base != campaign.unit_path else "",
            "list": lists.build_list(request, worklists.household_queryset(request.user, campaign), spec),
            "can_export": can_export(request),
            "findings": queries.findings(request.user, campaign)[:100],
            "measure_types": MeasureType.choices,
            "is_open": services.campaign_is_open(campaign),
            "door_lists": Grid.objects.restrict(request.user)
            .filter(path_prefix_q("unit_path", campaign.unit_path))
            .order_by("unit_path", "code")[:60],
        },
    )


@login_required
def campaign_households(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """The grid worker's list: households of their grids in the campaign, not yet visited."""
    campaign = _campaign(request, campaign_id)
    spec = worklists.household_spec(request.user, campaign)
    households = worklists.household_queryset(request.user, campaign, "change")
    return render(
        request,
        "command/campaign_households.html",
        {
            "campaign": campaign,
            "list": lists.build_list(request, households, spec),
            "is_open": services.campaign_is_open(campaign),
        },
    )


@login_required
def visit(request: HttpRequest, campaign_id: int, household_id: int) -> HttpResponse:
    campaign = _campaign(request, campaign_id)
    action = "change" if request.method == "POST" else "view"
    household = get_object_or_404(
        Household.objects.restrict(request.user, action)
        .filter(path_prefix_q("unit_path", campaign.unit_path))
        .select_related("grid"),
        pk=household_id,
    )
    members = [
        (p.pk, p.name)
        for p in Person.objects.restrict(request.user).filter(household=household).order_by("id")[:30]
    ]
    form = VisitForm(
        request.POST or None,
        checklist=campaign.checklist,
        members=members,
        initial={"client_id": uuid.uuid4().hex, "outcome": "visited"},
    )
    if request.method == "POST":
        if form.is_valid():
            data = services.VisitInput(
                client_id=form.cleaned_data["client_id"],
                outcome=form.cleaned_data["outcome"],
                answers=form.answers(),
                findings=form.cleaned_data["findings"],
                person_id=int(form.cleaned_data["person"]) if form.cleaned_data["person"] else None,
                raise_task=form.cleaned_data["raise_task"],
            )
            try:
                _visit, created = services.submit_visit(request.user, campaign, household, data)
            except DomainError as error:
                messages.error(request, error.message)
            else:
                offline.mark_saved(request)
                messages.success(
                    request, _("Visit saved.") if created else _("This visit was already saved.")
                )
                return redirect("command:campaign_households", campaign_id=campaign.pk)
        else:
            messages.error(request, _("Check the form: %(errors)s") % {"errors": form_errors(form)})
    history = Visit.objects.filter(campaign=campaign, household=household).select_related(
        "visited_by", "task"
    )
    return render(
        request,
        "command/visit.html",
        {
            "campaign": campaign,
            "household": household,
            "form": form,
            "history": history.order_by("-visited_at")[:20],
            "can_visit": Household.objects.restrict(request.user, "change").filter(pk=household.pk).exists()
            and services.campaign_is_open(campaign),
        },
    )


@login_required
@require_POST
def visit_task(request: HttpRequest, campaign_id: int, visit_id: int) -> HttpResponse:
    campaign = _campaign(request, campaign_id)
    found = get_object_or_404(
        Visit.objects.restrict(request.user, "change").filter(Q(campaign=campaign)), pk=visit_id
    )
    person = None
    if request.POST.get("person"):
        person = Person.objects.filter(pk=request.POST["person"], household_id=found.household_id).first()
    try:
        task = services.do_raise_task(request.user, found, person)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Verification task raised for %(name)s.") % {"name": task.name})
    return redirect("command:campaign", campaign_id=campaign.pk)


@login_required
@require_POST
def visit_measure(request: HttpRequest, campaign_id: int, visit_id: int) -> HttpResponse:
    campaign = _campaign(request, campaign_id)
    found = get_object_or_404(
        Visit.objects.restrict(request.user, "change").filter(Q(campaign=campaign)), pk=visit_id
    )
    person = None
    if request.POST.get("person"):
        person = Person.objects.filter(pk=request.POST["person"], household_id=found.household_id).first()
    try:
        measure = services.do_open_measure_from_finding(
            request.user, found, person, request.POST.get("type", "")
        )
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("command:campaign", campaign_id=campaign.pk)
    messages.success(request, _("Measure opened."))
    return redirect("control:measure", measure_id=measure.pk)
