"""Editing the tree's master data: a unit (name, responsible person, post), a grid (name, worker) and a
household (户号, address, door). The services validate (the API calls the same ones); a form only
carries the values, and a refusal is shown at its field."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from hongyixing.areas import queries, services, unit_aliases
from hongyixing.areas.queries import editable_grid, editable_household, editable_unit
from hongyixing.areas.staff import staff_for_grid, staff_for_unit
from hongyixing.core.errors import DomainError
from hongyixing.core.forms import ServiceForm


def _user_label(user: Any) -> str:
    name = user.display_name or user.username
    return f"{name}（{user.title}）" if user.title else str(name)


class EditForm(ServiceForm):
    """Text inputs and selects only: what may be stored is the service's to say."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**31 - 1)


def _picker(label: Any, users: Any, empty: Any, current: Any) -> forms.CharField:
    offered = list(users)
    if current is not None and current.pk not in {u.pk for u in offered}:
        offered.insert(0, current)  # still in the slot though their grant has moved: kept unless changed
    choices = [("", empty)] + [(str(u.pk), _user_label(u)) for u in offered]
    return forms.CharField(label=label, required=False, widget=forms.Select(choices=choices))


class UnitForm(EditForm):
    name = forms.CharField(label=pgettext_lazy("name of a thing", "Name"), required=False, max_length=400)
    aliases = forms.CharField(
        label=gettext_lazy("Other names in local use"),
        # zh: 每行一个：名单上常见的写法（如“临河居委会”），地址按这些叫法也能分到本单位
        help_text=gettext_lazy(
            "One per line: how lists often write this unit (such as “临河居委会”); addresses that use "
            "these names are placed here too."
        ),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    responsible_title = forms.CharField(
        label=gettext_lazy("Responsible person's post"), required=False, max_length=400
    )

    def __init__(self, *args: Any, staff: Any, current: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["responsible"] = _picker(
            gettext_lazy("Responsible person"), staff, gettext_lazy("— nobody chosen —"), current
        )
        self.order_fields(["name", "aliases", "responsible", "responsible_title"])


class GridForm(EditForm):
    name = forms.CharField(label=pgettext_lazy("name of a thing", "Name"), required=False, max_length=400)

    def __init__(self, *args: Any, staff: Any, current: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["worker"] = _picker(
            gettext_lazy("Grid worker"), staff, gettext_lazy("— nobody chosen —"), current
        )


class HouseholdForm(EditForm):
    number = forms.CharField(label=gettext_lazy("Household number"), required=False, max_length=400)
    address = forms.CharField(label=gettext_lazy("Address"), required=False, max_length=800)
    door = forms.CharField(label=gettext_lazy("Door / room"), required=False, max_length=400)


def _render(request: HttpRequest, form: forms.Form, **context: Any) -> HttpResponse:
    return render(request, "_edit.html", {"form": form, **context})


@login_required
def unit_edit(request: HttpRequest, path: str) -> HttpResponse:
    unit = editable_unit(request.user, path)
    staff = staff_for_unit(unit.path)
    initial = {
        "version": unit.version,
        "name": unit.name,
        "responsible": unit.responsible_id or "",
        "responsible_title": unit.responsible_title,
        "aliases": "\n".join(unit_aliases.local_aliases(unit)),
    }
    form = UnitForm(request.POST or None, initial=initial, staff=staff, current=unit.responsible)
    known = unit_aliases.file_aliases(unit)
    if known:
        # zh: 区划文件已有的叫法（不必再填）：%(names)s
        already = _("Already known from the divisions file (no need to add them): %(names)s") % {
            "names": "、".join(known)
        }
        form.fields["aliases"].help_text = f"{form.fields['aliases'].help_text} {already}"
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.do_edit_unit(
                request.user,
                unit,
                data["version"],
                name=data["name"],
                responsible_id=data["responsible"] or None,
                responsible_title=data["responsible_title"],
                aliases=data["aliases"],
            )
        except DomainError as error:
            form.refuse(error)
        else:
            messages.success(request, _("Saved."))
            return redirect("areas:unit", path=unit.path)
    note = ""
    if unit.responsible_id is None and unit.responsible_name:
        # zh: 登记的负责人“%(name)s”还没有对应的账号；选择一位工作人员后以账号为准
        note = _(
            "The recorded responsible person “%(name)s” has no account yet; once you choose a staff "
            "member, the account is shown instead."
        ) % {"name": unit.responsible_name}
    return _render(
        request,
        form,
        heading=_("Edit the unit"),
        subject=unit.name,
        crumbs=queries.breadcrumbs(request.user, unit, include_self=True),
        back=reverse("areas:unit", args=[unit.path]),
        note=note,
    )


@login_required
def grid_edit(request: HttpRequest, grid_id: int) -> HttpResponse:
    grid = editable_grid(request.user, grid_id)
    initial = {"version": grid.version, "name": grid.name, "worker": grid.worker_id or ""}
    form = GridForm(request.POST or None, initial=initial, staff=staff_for_grid(grid), current=grid.worker)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.do_edit_grid(
                request.user,
                grid,
                data["version"],
                name=data["name"],
                worker_id=data["worker"] or None,
            )
        except DomainError as error:
            form.refuse(error)
        else:
            messages.success(request, _("Saved."))
            return redirect("areas:grid", grid_id=grid.pk)
    return _render(
        request,
        form,
        heading=_("Edit the grid"),
        subject=grid.name,
        crumbs=queries.breadcrumbs(request.user, grid.village, include_self=True),
        back=reverse("areas:grid", args=[grid.pk]),
    )


@login_required
def household_edit(request: HttpRequest, household_id: int) -> HttpResponse:
    household = editable_household(request.user, household_id)
    initial = {
        "version": household.version,
        "number": household.number,
        "address": household.address,
        "door": household.door,
    }
    form = HouseholdForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.do_edit_household(
                request.user,
                household,
                data["version"],
                number=data["number"],
                address=data["address"],
                door=data["door"],
            )
        except DomainError as error:
            form.refuse(error)
        else:
            messages.success(request, _("Saved."))
            return redirect("people:household", household_id=household.pk)
    return _render(
        request,
        form,
        heading=_("Edit the household"),
        subject=household.door or household.number,
        crumbs=queries.breadcrumbs(request.user, household.unit, include_self=True),
        back=reverse("people:household", args=[household.pk]),
    )
