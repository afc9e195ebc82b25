from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema

from hongyixing.areas import queries
from hongyixing.areas.models import AdminUnit, Grid, Household
from hongyixing.core.bounds import Key

router = Router(tags=["areas"])


class UnitOut(Schema):
    code: str
    path: str
    name: str
    level: str
    parent_path: str | None
    grid_id: int | None
    responsible_name: str
    person_count: int
    household_count: int

    @staticmethod
    def resolve_parent_path(obj: AdminUnit) -> str | None:
        return obj.path[: -3 if len(obj.path) > 6 else -2] if obj.parent_id else None


class GridOut(Schema):
    id: int
    code: str
    name: str
    village_path: str
    responsible_name: str
    person_count: int
    household_count: int

    @staticmethod
    def resolve_village_path(obj: Grid) -> str:
        return obj.unit_path


class HouseholdOut(Schema):
    id: int
    number: str
    unit_path: str
    grid_id: int
    door: str
    address: str
    person_count: int


@router.get("/units", response=list[UnitOut], summary="Top units of your jurisdiction, or a unit's children")
def list_units(request: HttpRequest, parent: str | None = None) -> Any:
    if parent is None:
        units, _grids = queries.visible_roots(request.user)
        return units
    unit = get_object_or_404(AdminUnit.objects.restrict(request.user), path=parent)
    return list(queries.children(request.user, unit))


@router.get("/units/{path}", response=UnitOut)
def get_unit(request: HttpRequest, path: str) -> Any:
    return get_object_or_404(AdminUnit.objects.restrict(request.user), path=path)


@router.get("/grids", response=list[GridOut])
def list_grids(request: HttpRequest, village: str | None = None) -> Any:
    grids = Grid.objects.restrict(request.user).order_by("code")
    if village:
        grids = grids.filter(unit_path=village)
    return list(grids[:1000])


@router.get("/grids/{grid_id}", response=GridOut)
def get_grid(request: HttpRequest, grid_id: Key) -> Any:
    return get_object_or_404(Grid.objects.restrict(request.user), pk=grid_id)


@router.get("/households", response=list[HouseholdOut], summary="Households of a unit or grid (keyset pages)")
def list_households(
    request: HttpRequest, unit: str | None = None, grid: Key | None = None, after: Key = 0, limit: Key = 100
) -> Any:
    households = Household.objects.restrict(request.user).filter(id__gt=after).order_by("id")
    if unit:
        households = households.filter(unit__path=unit)
    if grid:
        households = households.filter(grid_id=grid)
    return list(households[: max(1, min(limit, 500))])


@router.get("/households/{household_id}", response=HouseholdOut)
def get_household(request: HttpRequest, household_id: Key) -> Any:
    return get_object_or_404(Household.objects.restrict(request.user), pk=household_id)
