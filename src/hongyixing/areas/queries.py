"""Named reads of the tree: children with live counts, breadcrumbs, counter recounts."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, QuerySet

from hongyixing.areas.choices import ancestor_paths
from hongyixing.areas.models import AdminUnit, Grid, Household
from hongyixing.core.scope import scope_for


@dataclass
class RawCounts:
    unit_persons: Counter[str]
    unit_households: Counter[str]
    grid_persons: dict[int, int]
    grid_households: dict[int, int]


def _rolled_up(rows: QuerySet[Any, dict[str, Any]], field: str) -> Counter[str]:
    totals: Counter[str] = Counter()
    for row in rows:
        for path in ancestor_paths(row[field]):
            totals[path] += row["n"]
    return totals


def raw_counts() -> RawCounts:
    """Counts straight from persons and households, grouped per leaf and rolled up the tree."""
    from hongyixing.people.models import Person

    return RawCounts(
        unit_persons=_rolled_up(Person.objects.values("unit_path").annotate(n=Count("id")), "unit_path"),
        unit_households=_rolled_up(
            Household.objects.values("unit_path").annotate(n=Count("id")), "unit_path"
        ),
        grid_persons={
            r["grid_id"]: r["n"]
            for r in Person.objects.filter(grid__isnull=False).values("grid_id").annotate(n=Count("id"))
        },
        grid_households={
            r["grid_id"]: r["n"] for r in Household.objects.values("grid_id").annotate(n=Count("id"))
        },
    )


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
