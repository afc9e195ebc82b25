"""Every write to the tree, grids and households, with counters kept in the same transaction."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import F

from hongyixing.areas.choices import PATH_LENGTH, UnitLevel, ancestor_paths
from hongyixing.areas.divisions import aliases, read_divisions
from hongyixing.areas.models import AdminUnit, Grid, Household, UnitAlias
from hongyixing.core import audit


class StaleEdit(Exception):
    """Someone else saved the record after it was opened; nothing was overwritten."""


@transaction.atomic
def do_load_divisions(actor: Any) -> int:
    """Create or update the units of public record; safe to run again."""
    existing = {unit.code: unit for unit in AdminUnit.objects.filter(level__in=["city", "district", "town", "village"])}
    created = 0
    for division in read_divisions():
        parent = existing.get(division.parent_code) if division.parent_code else None
        unit = existing.get(division.code)
        if unit is None:
            unit = AdminUnit.objects.create(
                code=division.code, path=division.path, name=division.name, level=division.level, parent=parent,
                valid_from=dt.date(2016, 10, 8) if division.code.startswith("320813") else None,
            )
            audit.log_create(actor, unit)
            existing[division.code] = unit
            created += 1
        elif unit.name != division.name:
            before = audit.snapshot(unit)
            unit.name = division.name
            unit.save(update_fields=["name"])
            audit.log_update(actor, unit, before)
        for alias, kind, valid_to in aliases(division):
            UnitAlias.objects.get_or_create(unit=unit, alias=alias, defaults={"kind": kind, "valid_to": valid_to})
    return created


def child_path(parent: AdminUnit, level: str, number: int) -> str:
    width = PATH_LENGTH[UnitLevel(level)] - len(parent.path)
    if not 0 < number < 10**width:
        raise ValueError(f"number {number} does not fit {width} digits")
    return f"{parent.path}{number:0{width}d}"


@transaction.atomic
def do_create_unit(
    actor: Any, parent: AdminUnit, level: str, number: int, name: str, *, grid: Grid | None = None,
    responsible_name: str = "",
) -> AdminUnit:
    path = child_path(parent, level, number)
    unit = AdminUnit.objects.create(
        code=path, path=path, name=name, level=level, parent=parent, grid=grid, responsible_name=responsible_name
    )
    audit.log_create(actor, unit)
    audit.emit("unit.created", unit, actor)
    return unit


@transaction.atomic
def do_create_grid(actor: Any, village: AdminUnit, number: int, name: str, responsible_name: str = "") -> Grid:
    grid = Grid.objects.create(
        code=f"{village.path}-{number:02d}", name=name, village=village, unit_path=village.path,
        responsible_name=responsible_name,
    )
    audit.log_create(actor, grid)
    audit.emit("grid.created", grid, actor)
    return grid


@transaction.atomic
def do_create_household(actor: Any, unit: AdminUnit, number: str, address: str, door: str = "") -> Household:
    if unit.grid_id is None:
        raise ValueError(f"unit {unit.path} is not covered by a grid")
    household = Household.objects.create(
        number=number, unit=unit, unit_path=unit.path, grid_id=unit.grid_id, address=address, door=door
    )
    bump_counts(unit.path, unit.grid_id, households=1)
    audit.log_create(actor, household)
    audit.emit("household.created", household, actor)
    return household


@transaction.atomic
def do_update_unit(actor: Any, unit: AdminUnit, expected_version: int, **changes: Any) -> AdminUnit:
    """Optimistic concurrency: refused when the unit changed since ``expected_version`` was read."""
    before = audit.snapshot(unit)
    allowed = {"name", "responsible_name", "responsible_title", "valid_from", "valid_to"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValueError(f"fields not editable here: {sorted(unknown)}")
    updated = AdminUnit.objects.filter(pk=unit.pk, version=expected_version).update(
        version=F("version") + 1, **changes
    )
    if not updated:
        raise StaleEdit
    unit.refresh_from_db()
    audit.log_update(actor, unit, before)
    return unit


def bump_counts(unit_path: str, grid_id: int | None, *, persons: int = 0, households: int = 0) -> None:
    """Adjust the live counters of a unit, all its ancestors and its grid."""
    delta = {}
    if persons:
        delta["person_count"] = F("person_count") + persons
    if households:
        delta["household_count"] = F("household_count") + households
    if not delta or not unit_path:
        return
    AdminUnit.objects.filter(path__in=ancestor_paths(unit_path)).update(**delta)
    if grid_id is not None:
        Grid.objects.filter(pk=grid_id).update(**delta)


@transaction.atomic
def do_recount() -> None:
    """Rebuild every counter from the raw rows (after bulk loads; also the counters' correctness check)."""
    from hongyixing.areas.queries import raw_counts

    counts = raw_counts()
    units = list(AdminUnit.objects.only("id", "path"))
    for unit in units:
        unit.person_count = counts.unit_persons.get(unit.path, 0)
        unit.household_count = counts.unit_households.get(unit.path, 0)
    AdminUnit.objects.bulk_update(units, ["person_count", "household_count"], batch_size=500)
    grids = list(Grid.objects.only("id"))
    for grid in grids:
        grid.person_count = counts.grid_persons.get(grid.id, 0)
        grid.household_count = counts.grid_households.get(grid.id, 0)
    Grid.objects.bulk_update(grids, ["person_count", "household_count"], batch_size=500)
