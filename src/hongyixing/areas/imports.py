"""Import specs for the tree below villages (``units``) and for grids (``grids``); see exchange.importer.

Towns and villages come from the divisions of public record (``load_divisions``); these files add the
villager groups, compounds and buildings under them, and the grids that cover them. Names are looked
up in the importer's own area only, so a town cannot place anything in another town.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hongyixing.areas import services
from hongyixing.areas.choices import PATH_LENGTH, UnitLevel
from hongyixing.areas.models import AdminUnit, Grid, UnitAlias
from hongyixing.areas.staff import GRID_WORKER_ROLES, match_by_name, staff_for_unit
from hongyixing.core import phones
from hongyixing.exchange.columns import MappedRow
from hongyixing.exchange.importer import (
    CHANGED,
    NEW,
    UNCHANGED,
    Column,
    Implied,
    ImportContext,
    RowOutcome,
)

TOWN = Column(
    "town",
    gettext_lazy("Town / subdistrict"),
    ("所属镇（街道）", "所属镇街", "镇（街道）", "镇街", "乡镇", "乡镇（街道）", "所属乡镇", "街道", "镇"),
    required=True,
)
VILLAGE = Column(
    "village",
    gettext_lazy("Village / community"),
    (
        "所属村（居）委会", "所属村（社区）", "村（居）委会", "村（社区）", "村居", "所属村居", "村社区",
        "所属社区", "村委会", "居委会", "社区", "村",
    ),
    required=True,
)  # fmt: skip
GROUP = Column("group", gettext_lazy("Villager group"), ("村民小组", "所属村民小组", "小组", "组"))
COMPOUND = Column("compound", gettext_lazy("Compound"), ("小区", "小区名称", "所属小区", "小区/楼盘"))
BUILDING = Column("building", gettext_lazy("Building"), ("楼栋", "楼号", "幢", "栋", "楼栋号"))

_SPLIT = re.compile(r"[、,，;；/\s]+")
FIRST_LEVEL_BELOW_VILLAGE = (UnitLevel.GROUP, UnitLevel.COMPOUND)


def _clean(text: str) -> str:
    return "".join(text.split())


def _ref(unit: AdminUnit) -> int:
    """A unit's key in the index: its id, or (planned in this file, not saved yet) its object's identity."""
    return int(unit.pk) if unit.pk is not None else -id(unit)


@dataclass
class TreeIndex:
    """Towns and villages of the importer's area by every name they go by, and what lies under them."""

    context: ImportContext
    towns: dict[str, AdminUnit] = field(default_factory=dict)
    villages: dict[tuple[int, str], AdminUnit] = field(default_factory=dict)
    children: dict[tuple[int, str], AdminUnit] = field(default_factory=dict)  # (parent id, name) → unit
    next_number: dict[int, int] = field(default_factory=dict)

    @classmethod
    def load(cls, context: ImportContext, *, below_villages: bool = True) -> TreeIndex:
        index = cls(context)
        units = list(AdminUnit.objects.filter(level__in=[UnitLevel.TOWN, UnitLevel.VILLAGE]))
        names: dict[int, set[str]] = {unit.pk: {unit.name} for unit in units}
        for unit_id, alias in UnitAlias.objects.filter(unit__in=units).values_list("unit_id", "alias"):
            names[unit_id].add(alias)
        for unit in units:
            # A town or village is known when it lies in the area, or holds the area (a village officer).
            if not (context.covers(unit.path) or context.everything):
                continue
            for name in names[unit.pk]:
                if unit.level == UnitLevel.TOWN:
                    index.towns[_clean(name)] = unit
                else:
                    index.villages[(unit.parent_id or 0, _clean(name))] = unit
        if below_villages:
            village_ids = {v.pk for v in index.villages.values()}
            below = AdminUnit.objects.filter(level__in=[*FIRST_LEVEL_BELOW_VILLAGE, UnitLevel.BUILDING])
            for unit in below.only("id", "path", "name", "level", "parent_id", "grid_id"):
                if unit.level != UnitLevel.BUILDING and unit.parent_id not in village_ids:
                    continue
                index.children[(unit.parent_id or 0, _clean(unit.name))] = unit
                suffix = int(unit.path[-3:])
                parent_id = unit.parent_id or 0
                index.next_number[parent_id] = max(index.next_number.get(parent_id, 1), suffix + 1)
        return index

    def town(self, name: str, outcome: RowOutcome) -> AdminUnit | None:
        unit = self.towns.get(_clean(name))
        if unit is None:
            # zh: 你的辖区里没有“%(name)s”这个镇（街道）
            outcome.fail(_("There is no town or subdistrict “%(name)s” in your area") % {"name": name})
        return unit

    def village(self, town: AdminUnit, name: str, outcome: RowOutcome) -> AdminUnit | None:
        unit = self.villages.get((town.pk, _clean(name)))
        if unit is None:
            # zh: %(town)s没有“%(name)s”这个村（社区）
            outcome.fail(
                _("%(town)s has no village or community “%(name)s”") % {"town": town.name, "name": name}
            )
        return unit

    def place(self, row: MappedRow, outcome: RowOutcome) -> AdminUnit | None:
        """The village a row names (town + village), or None with the row failed."""
        town_name, village_name = row.get("town").strip(), row.get("village").strip()
        if not town_name or not village_name:
            # zh: 缺少所属镇（街道）或村（社区）
            outcome.fail(_("The town or the village is missing"))
            return None
        town = self.town(town_name, outcome)
        return self.village(town, village_name, outcome) if town else None

    def firsts(self, village: AdminUnit) -> list[tuple[str, AdminUnit]]:
        """The groups and compounds of a village by name (built once per import)."""
        if not hasattr(self, "_firsts"):
            by_village: dict[int, list[tuple[str, AdminUnit]]] = {}
            for (parent_id, name), unit in self.children.items():
                if unit.level in FIRST_LEVEL_BELOW_VILLAGE:
                    by_village.setdefault(parent_id, []).append((name, unit))
            self._firsts = by_village
        return self._firsts.get(_ref(village), [])

    def child(self, parent: AdminUnit, name: str) -> AdminUnit | None:
        return self.children.get((_ref(parent), _clean(name)))

    def allocate(self, parent: AdminUnit, level: str, name: str, **values: Any) -> AdminUnit:
        """A new unit under ``parent`` with the next free number; known to the index from now on."""
        number = self.next_number.get(_ref(parent), 1)
        self.next_number[_ref(parent)] = number + 1
        path = services.child_path(parent, level, number)
        unit = AdminUnit(code=path, path=path, name=name, level=level, parent=parent, **values)
        self.children[(_ref(parent), _clean(name))] = unit
        return unit


def _row_outcome(row: MappedRow) -> RowOutcome:
    return RowOutcome(row.row_number, UNCHANGED)


# --- units ------------------------------------------------------------------------------------------


@dataclass
class UnitsPlan:
    created: list[AdminUnit] = field(default_factory=list)


class UnitsSpec:
    kind = "units"
    columns = (TOWN, VILLAGE, GROUP, COMPOUND, BUILDING)

    def plan(self, rows: list[MappedRow], context: ImportContext) -> tuple[list[RowOutcome], UnitsPlan]:
        index = TreeIndex.load(context)
        plan = UnitsPlan()
        outcomes = []
        for row in rows:
            outcome = _row_outcome(row)
            outcomes.append(outcome)
            village = index.place(row, outcome)
            group, compound = _clean(row.get("group")), _clean(row.get("compound"))
            if group and compound:
                # zh: 一行只能写村民小组或小区中的一个
                outcome.fail(_("A row names either a villager group or a compound, not both"))
            elif not (group or compound):
                # zh: 缺少村民小组或小区
                outcome.fail(_("The villager group or compound is missing"))
            if village is None or outcome.errors:
                continue
            level = UnitLevel.GROUP if group else UnitLevel.COMPOUND
            outcome.key = f"{village.name} {group or compound}"
            first = index.child(village, group or compound)
            if first is None:
                first = index.allocate(village, level, group or compound)
                plan.created.append(first)
                outcome.status = NEW
            elif first.level != level:
                # zh: “%(name)s”已经登记为%(level)s
                outcome.fail(
                    _("“%(name)s” is already registered as a %(level)s")
                    % {"name": first.name, "level": first.get_level_display()}
                )
                continue
            building = _clean(row.get("building"))
            if building:
                outcome.key += f" {building}"
                if index.child(first, building) is None:
                    plan.created.append(index.allocate(first, UnitLevel.BUILDING, building))
                    outcome.status = NEW
        return outcomes, plan

    def implied(self, plan: UnitsPlan, context: ImportContext) -> list[Implied]:
        return []

    def prepare(self, plan: UnitsPlan) -> None:
        return None  # nothing of its writing can be done ahead

    def apply(self, plan: UnitsPlan, context: ImportContext) -> None:
        first = [unit for unit in plan.created if unit.level != UnitLevel.BUILDING]
        services.do_bulk_create_units(context.actor, first)
        buildings = [unit for unit in plan.created if unit.level == UnitLevel.BUILDING]
        for unit in buildings:
            unit.parent_id = unit.parent.pk if unit.parent else None
        services.do_bulk_create_units(context.actor, buildings)


UNITS = UnitsSpec()


# --- grids ------------------------------------------------------------------------------------------

GRID_CODE = Column("code", gettext_lazy("Grid code"), ("网格编码", "网格编号", "网格代码"), required=True)
GRID_NAME = Column("name", gettext_lazy("Grid name"), ("网格名称", "网格名", "网格"), required=True)
GRID_WORKER = Column("worker", gettext_lazy("Grid worker"), ("网格员", "网格员姓名", "专职网格员", "网格长"))
GRID_PHONE = Column(
    "phone", gettext_lazy("Grid worker's phone"), ("网格员手机", "手机", "手机号码", "联系电话", "电话")
)
GRID_COVERS = Column(
    "covers",
    gettext_lazy("Covers"),
    ("覆盖范围", "所辖范围", "包含小区", "包含村民小组", "管辖范围", "网格范围", "负责村民小组", "负责楼栋"),
)


@dataclass
class GridsPlan:
    created: list[Grid] = field(default_factory=list)
    changed: list[tuple[Grid, dict[str, Any]]] = field(default_factory=list)
    coverage: list[tuple[Grid, AdminUnit]] = field(default_factory=list)


class GridsSpec:
    kind = "grids"
    columns = (GRID_CODE, GRID_NAME, TOWN, VILLAGE, GRID_WORKER, GRID_PHONE, GRID_COVERS)

    def plan(self, rows: list[MappedRow], context: ImportContext) -> tuple[list[RowOutcome], GridsPlan]:
        index = TreeIndex.load(context)
        existing = {grid.code: grid for grid in Grid.objects.select_related("worker")}
        # Every unit below a village in the whole district, to say which village a wrong name is in.
        elsewhere: dict[str, AdminUnit] = {}
        for (_parent, name), unit in index.children.items():
            elsewhere.setdefault(name, unit)
        plan = GridsPlan()
        outcomes: list[RowOutcome] = []
        seen_codes: dict[str, int] = {}
        covered_by: dict[int, str] = {}
        for row in rows:
            outcome = _row_outcome(row)
            outcomes.append(outcome)
            code, name = _clean(row.get("code")), row.get("name").strip()
            worker = _clean(row.get("worker"))
            outcome.key = code
            if not code or not name:
                # zh: 缺少网格编码或网格名称
                outcome.fail(_("The grid code or name is missing"))
            elif code in seen_codes:
                # zh: 网格编码 %(code)s 在第 %(row)s 行已经出现过
                outcome.fail(
                    _("Grid code %(code)s already appears in row %(row)s")
                    % {"code": code, "row": seen_codes[code]}
                )
            seen_codes.setdefault(code, row.row_number)
            if row.get("phone").strip():
                try:
                    phones.normalise(row.get("phone"))
                except phones.PhoneError as error:
                    outcome.fail(error.message)
            village = index.place(row, outcome)
            if village is None or outcome.errors:
                continue
            grid = existing.get(code)
            if grid is None:
                grid = Grid(code=code, name=name, village=village, unit_path=village.path)
                grid.worker_id, grid.responsible_name = _worker(grid, worker)
                existing[code] = grid
                plan.created.append(grid)
                outcome.status = NEW
            elif grid.village_id != village.pk:
                # zh: 网格 %(code)s 已经属于另一个村（社区）
                outcome.fail(_("Grid %(code)s already belongs to another village") % {"code": code})
                continue
            else:
                changes: dict[str, Any] = {"name": name} if grid.name != name else {}
                if grid.worker_display != worker:
                    changes["worker_id"], changes["responsible_name"] = _worker(grid, worker)
                if changes:
                    plan.changed.append((grid, changes))
                    outcome.status = CHANGED
                    outcome.changes += [str(GRID_NAME.label)] if "name" in changes else []
                    outcome.changes += [str(GRID_WORKER.label)] if "worker_id" in changes else []
            for item in _SPLIT.split(row.get("covers")):
                covered = _covered_unit(index, village, item, elsewhere, outcome)
                if covered is None:
                    continue
                unit = covered
                if unit.pk in covered_by and covered_by[unit.pk] != code:
                    # zh: “%(name)s”已经划给了网格 %(code)s
                    outcome.fail(
                        _("“%(name)s” is already given to grid %(code)s")
                        % {"name": item, "code": covered_by[unit.pk]}
                    )
                    continue
                covered_by[unit.pk] = code
                if grid.pk is None or unit.grid_id != grid.pk:
                    plan.coverage.append((grid, unit))
                    if outcome.status == UNCHANGED:
                        outcome.status = CHANGED
                    label = str(GRID_COVERS.label)
                    if outcome.status == CHANGED and label not in outcome.changes:
                        outcome.changes.append(label)
        return outcomes, plan

    def implied(self, plan: GridsPlan, context: ImportContext) -> list[Implied]:
        return []

    def prepare(self, plan: GridsPlan) -> None:
        return None  # nothing of its writing can be done ahead

    def apply(self, plan: GridsPlan, context: ImportContext) -> None:
        actor = context.actor
        services.do_bulk_create_grids(actor, plan.created)
        services.do_bulk_update_grids(actor, plan.changed)
        services.do_assign_coverage(actor, [(grid.pk, unit.pk) for grid, unit in plan.coverage])


def _worker(grid: Grid, name: str) -> tuple[int | None, str]:
    """The grid worker named in the file: the one grid-worker account of the village with that name
    (worker id, no recorded name), else the name alone until the staff list brings the account."""
    candidates = staff_for_unit(grid.unit_path, GRID_WORKER_ROLES, grid_id=grid.pk)
    user = match_by_name(name, candidates) if name else None
    return (user.pk, "") if user is not None else (None, name)


def _covered_unit(
    index: TreeIndex, village: AdminUnit, item: str, elsewhere: dict[str, AdminUnit], outcome: RowOutcome
) -> AdminUnit | None:
    """A group or compound of the village by name, or one of its buildings written "小区名+楼栋"."""
    item = _clean(item)
    if not item:
        return None
    unit = index.child(village, item)
    if unit is not None and unit.pk is not None:
        return unit
    for name, first in index.firsts(village):
        if first.pk is not None and item.startswith(name) and len(item) > len(name):
            building = index.child(first, item[len(name) :])
            if building is not None and building.pk is not None:
                return building
    other = elsewhere.get(item)
    if other is not None and not other.path.startswith(village.path):
        village_of = AdminUnit.objects.filter(path=other.path[: PATH_LENGTH[UnitLevel.VILLAGE]]).first()
        # zh: “%(name)s”属于%(village)s，不在本网格所在的村（社区）
        outcome.fail(
            _("“%(name)s” is in %(village)s, not in this grid's village")
            % {"name": item, "village": village_of.name if village_of else other.path}
        )
        return None
    # zh: %(village)s没有“%(name)s”（请先导入村民小组、小区和楼栋）
    outcome.fail(
        _("%(village)s has no “%(name)s” (import the groups, compounds and buildings first)")
        % {"village": village.name, "name": item}
    )
    return None


GRIDS = GridsSpec()
