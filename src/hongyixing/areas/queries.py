"""Named reads of the tree: children with live counts, breadcrumbs."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from hongyixing.areas.choices import ancestor_paths
from hongyixing.areas.models import AdminUnit, Grid
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
    return AdminUnit.objects.restrict(user).filter(parent=unit).select_related("grid").order_by("path")
