"""Named reads of the tree: children with live counts, breadcrumbs."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from hongyixing.areas.choices import ancestor_paths
from hongyixing.areas.models import AdminUnit, Grid, Household
from hongyixing.core.scope import scope_for


def visible_roots(user: Any) -> tuple[list[AdminUnit], list[Grid]]:
    """The top of the tree a user may browse: the granted units, then granted grids outside them."""
    scope = scope_for(user, "view")
    if scope.everything:
        return list(AdminUnit.objects.filter(parent=None).order_by("path")), []
    units = list(AdminUnit.objects.filter(path__in=scope.unit_paths).order_by("path"))
    grids = [
        grid
        for grid in Grid.objects.filter(id__in=scope.grid_ids).select_related("village")
        if not scope.covers_path(grid.unit_path)
    ]
    return units, grids


def breadcrumbs(user: Any, unit: AdminUnit, *, include_self: bool = False) -> list[AdminUnit]:
    """The unit's ancestors (and itself) that the user may see, root first."""
    paths = ancestor_paths(unit.path)
    if not include_self:
        paths = paths[:-1]
    return list(AdminUnit.objects.restrict(user).filter(path__in=paths).order_by("path"))


def children(user: Any, unit: AdminUnit) -> QuerySet[AdminUnit]:
    return (
        AdminUnit.objects.restrict(user)
        .filter(parent=unit)
        .select_related("grid", "responsible")
        .order_by("path")
    )


def editable_unit(user: Any, path: str) -> AdminUnit:
    """A unit the user may edit: in their change scope by the tree (a grid worker's scope is a grid,
    which lets them keep its households and persons, not rename the tree). Otherwise 404."""
    unit = get_object_or_404(
        AdminUnit.objects.restrict(user, "change").select_related("responsible"), path=path
    )
    if not scope_for(user, "change").covers_path(unit.path):
        raise Http404
    return unit


def editable_grid(user: Any, grid_id: int) -> Grid:
    grid = get_object_or_404(
        Grid.objects.restrict(user, "change").select_related("village", "worker"), pk=grid_id
    )
    if not scope_for(user, "change").covers_path(grid.unit_path):
        raise Http404
    return grid


def editable_household(user: Any, household_id: int) -> Household:
    return get_object_or_404(
        Household.objects.restrict(user, "change").select_related("unit", "grid"), pk=household_id
    )
