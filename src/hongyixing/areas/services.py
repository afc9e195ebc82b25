"""Every write to the tree, grids and households, with counters kept in the same transaction."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from hongyixing.areas import unit_aliases
from hongyixing.areas.choices import ANCESTOR_LENGTHS, PATH_LENGTH, UnitLevel, ancestor_paths
from hongyixing.areas.divisions import ESTABLISHED, aliases, read_divisions
from hongyixing.areas.models import AdminUnit, Grid, Household, UnitAlias
from hongyixing.areas.signals import units_moved_to_grids
from hongyixing.areas.staff import staff_for_grid, staff_for_unit
from hongyixing.core import audit
from hongyixing.core.bounds import parse_key
from hongyixing.core.bulk import insert_returning_ids, update_fields
from hongyixing.core.errors import DomainError, StaleEdit
from hongyixing.core.text import plain_text


@transaction.atomic
def do_load_divisions(actor: Any, path: Path | None = None) -> int:
    """Create or update the units of public record (the configured or shipped file, or ``path``);
    safe to run again."""
    existing = {
        unit.code: unit
        for unit in AdminUnit.objects.filter(level__in=["city", "district", "town", "village"])
    }
    created = 0
    for division in read_divisions(path):
        parent = existing.get(division.parent_code) if division.parent_code else None
        unit = existing.get(division.code)
        if unit is None:
            unit = AdminUnit.objects.create(
                code=division.code,
                path=division.path,
                name=division.name,
                level=division.level,
                parent=parent,
                valid_from=_established(division.code),
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
            row, made = UnitAlias.objects.get_or_create(
                unit=unit, alias=alias, defaults={"kind": kind, "valid_to": valid_to}
            )
            if made:
                audit.log_create(actor, row)
    return created


def _established(code: str) -> dt.date | None:
    since = next((day for prefix, day in ESTABLISHED.items() if code.startswith(prefix)), None)
    return dt.date.fromisoformat(since) if since else None


def child_path(parent: AdminUnit, level: str, number: int) -> str:
    width = PATH_LENGTH[UnitLevel(level)] - len(parent.path)
    if not 0 < number < 10**width:
        raise ValueError(f"number {number} does not fit {width} digits")
    return f"{parent.path}{number:0{width}d}"


@transaction.atomic
def do_create_unit(
    actor: Any,
    parent: AdminUnit,
    level: str,
    number: int,
    name: str,
    *,
    grid: Grid | None = None,
    responsible_name: str = "",
) -> AdminUnit:
    path = child_path(parent, level, number)
    unit = AdminUnit.objects.create(
        code=path,
        path=path,
        name=name,
        level=level,
        parent=parent,
        grid=grid,
        responsible_name=responsible_name,
    )
    audit.log_create(actor, unit)
    audit.emit("unit.created", unit, actor)
    return unit


@transaction.atomic
def do_create_grid(
    actor: Any, village: AdminUnit, number: int, name: str, responsible_name: str = ""
) -> Grid:
    grid = Grid.objects.create(
        code=f"{village.path}-{number:02d}",
        name=name,
        village=village,
        unit_path=village.path,
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
    allowed = {"name", "responsible_id", "responsible_name", "responsible_title", "valid_from", "valid_to"}
    unknown = set(changes) - allowed
    if unknown:
        raise DomainError("unit.not_editable", f"fields not editable here: {sorted(unknown)}")
    audit.save_versioned(actor, unit, expected_version, changes)
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


# --- Bulk paths (demo seed, master-data loads): set-based inserts, audit rows and events in bulk. ---


def _chunks(items: list[Any], size: int) -> list[list[Any]]:
    return [items[start : start + size] for start in range(0, len(items), size)]


def _paths_of_units(unit_ids: set[int]) -> dict[int, tuple[str, str, int | None]]:
    """(path, level, grid_id) per unit id, a few hundred ids per query."""
    found: dict[int, tuple[str, str, int | None]] = {}
    for chunk in _chunks(sorted(unit_ids), 500):
        for pk, path, level, grid_id in AdminUnit.objects.filter(pk__in=chunk).values_list(
            "pk", "path", "level", "grid_id"
        ):
            found[pk] = (path, level, grid_id)
    missing = unit_ids - set(found)
    if missing:
        raise ValueError(f"units not found: {sorted(missing)[:5]}")
    return found


def _require_primary_keys(objects: list[Any]) -> None:
    if objects and objects[0].pk is None:
        raise RuntimeError("the database did not return primary keys for the bulk insert")


@transaction.atomic
def do_bulk_create_units(actor: Any, units: list[AdminUnit], batch_size: int = 2000) -> list[AdminUnit]:
    """Insert new units below existing parents (their paths extend the parent's, see :func:`child_path`).

    Units are created with zero counters: nothing lives in them yet.
    """
    parents = _paths_of_units({unit.parent_id for unit in units if unit.parent_id is not None})
    for unit in units:
        if unit.parent_id is None:
            raise ValueError(f"unit {unit.name} has no parent")
        parent_path = parents[unit.parent_id][0]
        if len(unit.path) != PATH_LENGTH[UnitLevel(unit.level)] or not unit.path.startswith(parent_path):
            raise ValueError(f"path {unit.path} does not extend {parent_path} at level {unit.level}")
        unit.code = unit.code or unit.path
    created = AdminUnit.objects.bulk_create(units, batch_size=batch_size)
    _require_primary_keys(created)
    audit.log_bulk_create(actor, created)
    audit.emit_bulk("unit.created", created, actor)
    return created


@transaction.atomic
def do_bulk_create_grids(actor: Any, grids: list[Grid], batch_size: int = 2000) -> list[Grid]:
    """Insert grids; each grid's ``unit_path`` is its village's path."""
    villages = _paths_of_units({grid.village_id for grid in grids})
    for grid in grids:
        path, level, _grid = villages[grid.village_id]
        if level != UnitLevel.VILLAGE:
            raise ValueError(f"grid {grid.code} must belong to a village, not a {level}")
        grid.unit_path = path
    created = Grid.objects.bulk_create(grids, batch_size=batch_size)
    _require_primary_keys(created)
    audit.log_bulk_create(actor, created)
    audit.emit_bulk("grid.created", created, actor)
    return created


@transaction.atomic
def do_bulk_create_households(actor: Any, households: list[Household]) -> list[Household]:
    """Insert households; each takes its path and grid from its unit, which must be covered by a grid.

    Household counters of the units, their ancestors and the grids move in aggregate (a few queries).
    """
    units = _paths_of_units({household.unit_id for household in households})
    for household in households:
        path, _level, grid_id = units[household.unit_id]
        if grid_id is None:
            raise ValueError(f"unit {path} is not covered by a grid")
        household.unit_path = path
        household.grid_id = grid_id
    created = insert_returning_ids(Household, households)
    _require_primary_keys(created)
    bump_counts_many([(h.unit_path, h.grid_id, 0, 1) for h in created])
    audit.log_bulk_create(actor, created)
    audit.emit_bulk("household.created", created, actor)
    return created


def bump_counts_many(deltas: list[tuple[str, int | None, int, int]]) -> None:
    """Set-based :func:`bump_counts`: ``(unit_path, grid_id, persons, households)`` deltas.

    Deltas are summed per unit (rolled up to every ancestor) and per grid, then applied with one
    ``UPDATE … SET n = n + CASE …`` per few hundred rows.
    """
    unit_delta: dict[str, list[int]] = {}
    grid_delta: dict[int, list[int]] = {}
    for unit_path, grid_id, persons, households in deltas:
        if unit_path:
            for path in ancestor_paths(unit_path):
                total = unit_delta.setdefault(path, [0, 0])
                total[0] += persons
                total[1] += households
        if grid_id is not None:
            total = grid_delta.setdefault(grid_id, [0, 0])
            total[0] += persons
            total[1] += households
    _apply_count_deltas(AdminUnit, "path", unit_delta)
    _apply_count_deltas(Grid, "pk", grid_delta)


def _apply_count_deltas(model: Any, key: str, deltas: dict[Any, list[int]]) -> None:
    """One prepared ``UPDATE … SET n = n + %s WHERE key = %s`` run for every changed row (executemany):
    no per-row SQL to build, whatever the number of units a load touches."""
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    column = quote(model._meta.pk.column if key == "pk" else model._meta.get_field(key).column)
    for field in ("person_count", "household_count"):
        position = 0 if field == "person_count" else 1
        changed = sorted((d[position], k) for k, d in deltas.items() if d[position])
        if not changed:
            continue
        name = quote(field)
        # Table and column names come from our own models; the values are parameters.
        sql = f"UPDATE {table} SET {name} = {name} + %s WHERE {column} = %s"  # noqa: S608
        with connection.cursor() as cursor:
            cursor.executemany(sql, changed)


@transaction.atomic
def do_bulk_update_grids(actor: Any, changes: list[tuple[Grid, dict[str, Any]]]) -> int:
    """Set name / grid worker of existing grids (an import's changed rows); change log in bulk."""
    allowed = {"name", "worker_id", "responsible_name"}
    logged = []
    for grid, values in changes:
        if set(values) - allowed:
            raise ValueError(f"fields not editable here: {sorted(set(values) - allowed)}")
        before = audit.snapshot(grid)
        for name, value in values.items():
            setattr(grid, name, value)
        grid.version += 1
        logged.append((grid, before))
    Grid.objects.bulk_update(
        [grid for grid, _v in changes], ["name", "worker", "responsible_name", "version"], batch_size=500
    )
    return audit.log_bulk_update(actor, logged)


@transaction.atomic
def do_bulk_set_responsibles(actor: Any, changes: list[tuple[AdminUnit, str, str]]) -> int:
    """Who answers for each unit (name, post), in bulk: change log per unit that really changed."""
    logged = []
    for unit, name, title in changes:
        if (unit.responsible_name, unit.responsible_title) == (name, title):
            continue
        before = audit.snapshot(unit)
        unit.responsible_name, unit.responsible_title = name[:50], title[:50]
        unit.version += 1
        logged.append((unit, before))
    update_fields(
        AdminUnit, [unit for unit, _b in logged], ["responsible_name", "responsible_title", "version"]
    )
    return audit.log_bulk_update(actor, logged)


@transaction.atomic
def do_assign_coverage(actor: Any, assignments: list[tuple[int, int]]) -> int:
    """Put units (and everything under them) into grids: ``(grid id, unit id)`` pairs.

    Households and persons below a unit move with it, and the counters are rebuilt, so the grid a
    worker sees is the grid the tree says.
    """
    if not assignments:
        return 0
    targets = AdminUnit.objects.in_bulk([unit_id for _grid, unit_id in assignments])
    village_paths = {targets[unit_id].path[: PATH_LENGTH[UnitLevel.VILLAGE]] for _g, unit_id in assignments}
    below: list[AdminUnit] = []
    for village_path in sorted(village_paths):
        below += AdminUnit.objects.filter(path__startswith=village_path).exclude(path=village_path)
    by_path = {unit.path: unit for unit in below}
    assigned = {targets[unit_id].path: grid_id for grid_id, unit_id in assignments}
    wanted: dict[str, int] = {}
    for path in by_path:
        # The nearest assigned ancestor (or the unit itself) decides: a building named on its own
        # wins over its compound's grid.
        owners = [assigned[path[:n]] for n in ANCESTOR_LENGTHS if n <= len(path) and path[:n] in assigned]
        if owners:
            wanted[path] = owners[-1]
    logged = []
    moved: dict[int, list[int]] = {}
    for path, grid_id in wanted.items():
        member = by_path[path]
        if member.grid_id == grid_id:
            continue
        before = audit.snapshot(member)
        member.grid_id = grid_id
        logged.append((member, before))
        moved.setdefault(grid_id, []).append(member.pk)
    update_fields(AdminUnit, [unit for unit, _b in logged], ["grid"])
    for grid_id, unit_ids in moved.items():
        for chunk_ids in _chunks(unit_ids, 500):
            Household.objects.filter(unit_id__in=chunk_ids).update(grid_id=grid_id)
    audit.log_bulk_update(actor, logged)
    audit.emit_bulk("unit.grid_assigned", [unit for unit, _b in logged], actor)
    # The persons of those households (and the counters) are the people app's: it moves them in this
    # transaction when told (areas does not import people).
    units_moved_to_grids.send(sender=AdminUnit, moved=moved)
    return len(logged)


def remembered_mapping(unit_path: str, kind: str) -> dict[str, str]:
    """Header → field that people of this town chose before (read by the import page)."""
    from hongyixing.areas.models import HeaderMapping

    rows = HeaderMapping.objects.filter(unit_path=unit_path, kind=kind).values_list("header", "field")
    return dict(rows)


@transaction.atomic
def do_remember_mapping(actor: Any, unit_path: str, kind: str, mapping: dict[str, str]) -> None:
    from hongyixing.areas.models import HeaderMapping

    for header, field in mapping.items():
        row, created = HeaderMapping.objects.get_or_create(
            unit_path=unit_path, kind=kind, header=header[:100], defaults={"field": field}
        )
        if created:
            audit.log_create(actor, row)
        elif row.field != field:
            before = audit.snapshot(row)
            row.field = field
            row.save(update_fields=["field"])
            audit.log_update(actor, row, before)


# --- Edits from the unit, grid and household pages and their API (one validator each) --------------


def _picked(candidates: Any, user_id: Any, *, current: Any, code: str, message: Any, field: str) -> Any:
    """The user picked for a slot: one of ``candidates``, or the one already in it (kept as it is
    even when their grant has moved since; a change of person is checked)."""
    if user_id in (None, ""):
        return None
    pk = parse_key(user_id)
    if current is not None and pk == current.pk:
        return current
    user = candidates.filter(pk=pk).first() if pk is not None else None
    if user is None:
        raise DomainError(code, message, field)
    return user


def clean_unit_edit(
    unit: AdminUnit, name: Any, responsible_id: Any, responsible_title: Any, aliases: Any = None
) -> dict[str, Any]:
    """The one validator of a unit's edit (page and API): the changed fields, or a DomainError.
    ``aliases`` (the names in local use) is left as it is when ``None``."""
    values: dict[str, Any] = {
        "name": plain_text(name, field="name", limit=100, required=True),
        "responsible_title": plain_text(responsible_title, field="responsible_title", limit=50),
    }
    user = _picked(
        staff_for_unit(unit.path),
        responsible_id,
        current=unit.responsible,
        code="unit.not_staff",
        # zh: 负责人须是本单位（或其上级、下级）有岗位的工作人员
        message=_("The responsible person must be a staff member with a post on this unit, above or in it."),
        field="responsible",
    )
    values["responsible_id"] = user.pk if user else None
    if user is not None:
        values["responsible_name"] = ""  # the user's name is shown from now on
    changes = {k: v for k, v in values.items() if getattr(unit, k) != v}
    if aliases is not None:
        wanted = unit_aliases.clean_unit_aliases(unit, aliases)
        if set(wanted) != set(unit_aliases.local_aliases(unit)):  # the order of the lines is no change
            changes["aliases"] = wanted
    return changes


@transaction.atomic
def do_edit_unit(
    actor: Any,
    unit: AdminUnit,
    expected_version: int,
    *,
    name: Any,
    responsible_id: Any,
    responsible_title: Any,
    aliases: Any = None,
) -> AdminUnit:
    changes = clean_unit_edit(unit, name, responsible_id, responsible_title, aliases)
    if not changes:
        if unit.version != expected_version:
            raise StaleEdit
        return unit
    wanted = changes.pop("aliases", None)
    unit = do_update_unit(actor, unit, expected_version, **changes)  # bumps the version in any case
    if wanted is not None:
        unit_aliases.set_local_aliases(actor, unit, wanted)
    audit.emit("unit.updated", unit, actor)
    return unit


def clean_grid_edit(grid: Grid, name: Any, worker_id: Any) -> dict[str, Any]:
    """The one validator of a grid's edit: its name, and a worker from the grid workers of its village."""
    values: dict[str, Any] = {"name": plain_text(name, field="name", limit=100, required=True)}
    user = _picked(
        staff_for_grid(grid),
        worker_id,
        current=grid.worker,
        code="grid.not_staff",
        # zh: 网格员须是本村（社区）的网格员账号
        message=_("The grid worker must be a grid worker account of this village or community."),
        field="worker",
    )
    values["worker_id"] = user.pk if user else None
    if user is not None:
        values["responsible_name"] = ""
    return {k: v for k, v in values.items() if getattr(grid, k) != v}


@transaction.atomic
def do_edit_grid(actor: Any, grid: Grid, expected_version: int, *, name: Any, worker_id: Any) -> Grid:
    if audit.save_versioned(actor, grid, expected_version, clean_grid_edit(grid, name, worker_id)):
        audit.emit("grid.updated", grid, actor)
    return grid


def clean_household_edit(household: Household, number: Any, address: Any, door: Any) -> dict[str, Any]:
    """The one validator of a household's edit: 户号 (unique in the district), address, door."""
    values = {
        "number": plain_text(number, field="number", limit=30, required=True).replace(" ", ""),
        "address": plain_text(address, field="address", limit=200, required=True),
        "door": plain_text(door, field="door", limit=40),
    }
    if Household.objects.filter(number=values["number"]).exclude(pk=household.pk).exists():
        # zh: 这个户号已经登记给另一户
        raise DomainError(
            "household.number_taken",
            _("This household number is already registered to another household."),
            "number",
        )
    return {k: v for k, v in values.items() if getattr(household, k) != v}


@transaction.atomic
def do_edit_household(
    actor: Any, household: Household, expected_version: int, *, number: Any, address: Any, door: Any
) -> Household:
    changes = clean_household_edit(household, number, address, door)
    if audit.save_versioned(actor, household, expected_version, changes):
        audit.emit("household.updated", household, actor)
    return household


@transaction.atomic
def do_link_responsibles(
    actor: Any, units: list[tuple[AdminUnit, Any]], grids: list[tuple[Grid, Any]]
) -> int:
    """Make users the responsible persons of units and the workers of grids (the staff import, the
    demo): the recorded name gives way to the user's; change log in bulk."""
    logged_units = []
    for unit, user in units:
        before = audit.snapshot(unit)
        unit.responsible_id, unit.responsible_name = user.pk, ""
        unit.version += 1
        logged_units.append((unit, before))
    AdminUnit.objects.bulk_update(
        [u for u, _b in logged_units], ["responsible", "responsible_name", "version"], batch_size=500
    )
    logged_grids = []
    for grid, user in grids:
        before = audit.snapshot(grid)
        grid.worker_id, grid.responsible_name = user.pk, ""
        grid.version += 1
        logged_grids.append((grid, before))
    Grid.objects.bulk_update(
        [g for g, _b in logged_grids], ["worker", "responsible_name", "version"], batch_size=500
    )
    return audit.log_bulk_update(actor, logged_units) + audit.log_bulk_update(actor, logged_grids)
