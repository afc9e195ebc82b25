from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema

from hongyixing.areas import queries, services, unit_aliases
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
    responsible_id: int | None
    responsible_name: str  # the responsible user's display name, else the name recorded (ADR 0013)
    responsible_title: str
    person_count: int
    household_count: int
    version: int

    @staticmethod
    def resolve_responsible_name(obj: AdminUnit) -> str:
        return obj.responsible_display

    @staticmethod
    def resolve_parent_path(obj: AdminUnit) -> str | None:
        return obj.path[: -3 if len(obj.path) > 6 else -2] if obj.parent_id else None


class UnitDetailOut(UnitOut):
    aliases: list[str]  # the names in local use, as entered on the edit page

    @staticmethod
    def resolve_aliases(obj: AdminUnit) -> list[str]:
        return unit_aliases.local_aliases(obj)


class GridOut(Schema):
    id: int
    code: str
    name: str
    village_path: str
    worker_id: int | None
    responsible_name: str  # the worker's display name, else the name recorded (ADR 0013)
    person_count: int
    household_count: int
    version: int

    @staticmethod
    def resolve_responsible_name(obj: Grid) -> str:
        return obj.worker_display

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
    version: int


class UnitPatch(Schema):
    version: Key
    name: str | None = None
    responsible_id: Key | None = None
    responsible_title: str | None = None
    aliases: list[str] | None = None  # replaces the names in local use; left as they are when absent


class GridPatch(Schema):
    version: Key
    name: str | None = None
    worker_id: Key | None = None


class HouseholdPatch(Schema):
    version: Key
    number: str | None = None
    address: str | None = None
    door: str | None = None


@router.get("/units", response=list[UnitOut], summary="Top units of your jurisdiction, or a unit's children")
def list_units(request: HttpRequest, parent: str | None = None) -> Any:
    if parent is None:
        units, _grids = queries.visible_roots(request.user)
        return units
    unit = get_object_or_404(AdminUnit.objects.restrict(request.user), path=parent)
    return list(queries.children(request.user, unit))


@router.get("/units/{path}", response=UnitDetailOut)
def get_unit(request: HttpRequest, path: str) -> Any:
    return get_object_or_404(
        AdminUnit.objects.restrict(request.user).select_related("responsible"), path=path
    )


@router.patch(
    "/units/{path}",
    response=UnitDetailOut,
    summary="Change a unit's name, names in local use, responsible person or post",
)
def patch_unit(request: HttpRequest, path: str, payload: UnitPatch) -> Any:
    unit = queries.editable_unit(request.user, path)
    given = payload.model_dump(exclude_unset=True)
    return services.do_edit_unit(
        request.user,
        unit,
        payload.version,
        name=given.get("name", unit.name),
        responsible_id=given.get("responsible_id", unit.responsible_id),
        responsible_title=given.get("responsible_title", unit.responsible_title),
        aliases=given.get("aliases"),
    )


@router.get("/grids", response=list[GridOut])
def list_grids(request: HttpRequest, village: str | None = None) -> Any:
    grids = Grid.objects.restrict(request.user).select_related("worker").order_by("code")
    if village:
        grids = grids.filter(unit_path=village)
    return list(grids[:1000])


@router.get("/grids/{grid_id}", response=GridOut)
def get_grid(request: HttpRequest, grid_id: Key) -> Any:
    return get_object_or_404(Grid.objects.restrict(request.user).select_related("worker"), pk=grid_id)


@router.patch("/grids/{grid_id}", response=GridOut, summary="Change a grid's name or worker")
def patch_grid(request: HttpRequest, grid_id: Key, payload: GridPatch) -> Any:
    grid = queries.editable_grid(request.user, grid_id)
    given = payload.model_dump(exclude_unset=True)
    return services.do_edit_grid(
        request.user,
        grid,
        payload.version,
        name=given.get("name", grid.name),
        worker_id=given.get("worker_id", grid.worker_id),
    )


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


@router.patch(
    "/households/{household_id}", response=HouseholdOut, summary="Change a household's 户号 or address"
)
def patch_household(request: HttpRequest, household_id: Key, payload: HouseholdPatch) -> Any:
    household = queries.editable_household(request.user, household_id)
    given = payload.model_dump(exclude_unset=True)
    return services.do_edit_household(
        request.user,
        household,
        payload.version,
        number=given.get("number", household.number),
        address=given.get("address", household.address),
        door=given.get("door", household.door),
    )
