"""The tree browser: district → town → village → grid → building/group → household → person."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from hongyixing.areas import queries
from hongyixing.areas.models import AdminUnit, Grid, Household
from hongyixing.core.scope import scope_for


@login_required
def unit_detail(request: HttpRequest, path: str) -> HttpResponse:
    unit = get_object_or_404(
        AdminUnit.objects.restrict(request.user).select_related("grid", "responsible"), path=path
    )
    context: dict[str, Any] = {
        "unit": unit,
        "can_edit": scope_for(request.user, "change").covers_path(unit.path),
        "crumbs": queries.breadcrumbs(request.user, unit),
        "children": queries.children(request.user, unit),
        "aliases": [a.alias for a in unit.aliases.order_by("kind", "id")],
    }
    if unit.level == "village":
        context["grids"] = (
            Grid.objects.restrict(request.user).filter(village=unit).select_related("worker").order_by("code")
        )
    if unit.level in ("group", "compound", "building"):
        context["households"] = (
            Household.objects.restrict(request.user).filter(unit=unit).order_by("door", "id")[:500]
        )
    return render(request, "areas/unit.html", context)


@login_required
def grid_detail(request: HttpRequest, grid_id: int) -> HttpResponse:
    grid = get_object_or_404(
        Grid.objects.restrict(request.user).select_related("village", "worker"), pk=grid_id
    )
    units = AdminUnit.objects.restrict(request.user).filter(grid=grid).order_by("path")
    context = {
        "grid": grid,
        "units": units,
        "can_edit": scope_for(request.user, "change").covers_path(grid.unit_path),
        "crumbs": queries.breadcrumbs(request.user, grid.village, include_self=True),
    }
    return render(request, "areas/grid.html", context)
