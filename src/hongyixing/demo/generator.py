"""The demo district: Hongze's real divisions, with generated groups, compounds, grids, households,
persons and staff. Deterministic for a seed: one ``random.Random(seed)`` drives everything, consumed in
a fixed order (the tree first, so a seed gives the same tree whatever the population).

Every write goes through services (``areas``, ``people``, ``accounts``); the demo modules only plan:
``plan`` (the tree and grids), ``population`` (households and persons), ``staff`` (users, logins).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Protocol

from hongyixing.areas import services as area_services
from hongyixing.areas.choices import UnitLevel
from hongyixing.areas.models import AdminUnit, Grid, Household
from hongyixing.core.context import request_context
from hongyixing.demo import staff
from hongyixing.demo.cases_scenario import seed_cases
from hongyixing.demo.command import seed_command
from hongyixing.demo.control_scenario import seed_control
from hongyixing.demo.economy import seed_economy
from hongyixing.demo.plan import DEFAULT_PERSONS, DISTRICT_PATH, DistrictPlan
from hongyixing.demo.population import HouseholdDraft, LeafKey, generate
from hongyixing.people.services import do_bulk_create_persons

DEFAULT_SEED = 2020
PERSON_CHUNK = 20_000


class Writer(Protocol):
    def write(self, text: str, /) -> object: ...


class _Log:
    def __init__(self, out: Writer | None) -> None:
        self.out = out
        self.start = time.perf_counter()

    def __call__(self, message: str) -> None:
        if self.out is not None:
            self.out.write(f"[{time.perf_counter() - self.start:6.1f}s] {message}\n")
            flush = getattr(self.out, "flush", None)
            if flush:
                flush()


def seed_district(
    persons: int = DEFAULT_PERSONS, seed: int = DEFAULT_SEED, *, out: Writer | None = None
) -> dict[str, int]:
    """Fill an empty database with the demo district; returns what was created."""
    if persons < 1:
        raise ValueError("persons must be at least 1")
    log = _Log(out)
    counts = {"units": 0, "grids": 0, "households": 0, "persons": 0, "users": 0}
    with request_context(f"seed-demo-{seed}"):
        counts["units"] += area_services.do_load_divisions(None)
        plan, drafts = generate(seed, persons)
        log(f"plan: {len(plan.villages)} villages, {plan.unit_count} units, {plan.grid_count} grids")
        units = {u.path: u for u in AdminUnit.objects.filter(path__startswith=DISTRICT_PATH)}
        _set_responsibles(plan, units)
        grids = _create_grids(plan, units)
        leaves = _create_units(plan, units, grids)
        counts["units"] += plan.unit_count
        counts["grids"] = len(grids)
        log(f"tree: {counts['units']} units created, {len(grids)} grids")
        counts["users"] = staff.create_staff(seed, plan, units, grids)
        staff.link_responsibles(plan, units, grids)
        log(f"staff: {counts['users']} users")
        households, created = _create_people(drafts, leaves, log)
        counts["households"] = households
        counts["persons"] = created
        log(f"people: {households} households, {created} persons")
        # Counters moved with every bulk write (households here, persons in the people service): no recount.
        control = seed_control(seed)
        log(f"control measures: {control['measures']} measures, 2 quarantine sites")
        cases = seed_cases(seed)
        log(
            f"cases: {cases['cases']} cases, {cases['contacts']} contacts, {cases['generations']} generations"
        )
        command = seed_command(seed)
        counts.update(command)
        log(f"command centre: {command['shifts']} duty shifts, {command['visits']} visits")
        economy = seed_economy(seed)
        log(
            f"economy: {economy['enterprises']} enterprises, {economy['employees']} returning staff, "
            f"{economy['claims']} claims"
        )
        staff.write_logins(seed=seed, persons=persons)
    return counts


def _set_responsibles(plan: DistrictPlan, units: dict[str, AdminUnit]) -> None:
    for path, (name, post) in plan.responsibles.items():
        unit = units[path]
        if unit.responsible_name != name or unit.responsible_title != post:
            area_services.do_update_unit(
                None, unit, unit.version, responsible_name=name, responsible_title=post
            )


def _create_grids(plan: DistrictPlan, units: dict[str, AdminUnit]) -> dict[tuple[str, int], Grid]:
    drafts = []
    for village in plan.villages:
        for n, worker in enumerate(village.grid_workers, start=1):
            drafts.append(
                Grid(
                    code=f"{village.path}-{n:02d}",
                    name=f"{village.canonical}第{n}网格",
                    village=units[village.path],
                    unit_path=village.path,
                    responsible_name=worker,
                )
            )
    created = area_services.do_bulk_create_grids(None, drafts)
    return {(grid.unit_path, int(grid.code.rsplit("-", 1)[1])): grid for grid in created}


def _create_units(
    plan: DistrictPlan, units: dict[str, AdminUnit], grids: dict[tuple[str, int], Grid]
) -> dict[LeafKey, AdminUnit]:
    """Groups, compounds, then buildings; returns the leaves by (village path, compound no, leaf no)."""
    level5: list[AdminUnit] = []
    for village in plan.villages:
        parent = units[village.path]
        for group in village.groups:
            level5.append(
                AdminUnit(
                    path=f"{village.path}{group.number:03d}",
                    name=group.name,
                    level=UnitLevel.GROUP,
                    parent=parent,
                    grid=grids[(village.path, group.grid)],
                    responsible_name=group.responsible,
                    responsible_title="村民小组长",
                )
            )
        for compound in village.compounds:
            level5.append(
                AdminUnit(
                    path=f"{village.path}{compound.number:03d}",
                    name=compound.name,
                    level=UnitLevel.COMPOUND,
                    parent=parent,
                    grid=grids[(village.path, compound.buildings[0].grid)],
                    responsible_name=compound.responsible,
                    responsible_title="小区党支部书记",
                )
            )
    created5 = {u.path: u for u in area_services.do_bulk_create_units(None, level5)}
    leaves: dict[LeafKey, AdminUnit] = {}
    level6: list[AdminUnit] = []
    for village in plan.villages:
        for group in village.groups:
            leaves[(village.path, 0, group.number)] = created5[f"{village.path}{group.number:03d}"]
        for compound in village.compounds:
            parent = created5[f"{village.path}{compound.number:03d}"]
            for building in compound.buildings:
                level6.append(
                    AdminUnit(
                        path=f"{parent.path}{building.number:03d}",
                        name=building.name,
                        level=UnitLevel.BUILDING,
                        parent=parent,
                        grid=grids[(village.path, building.grid)],
                        responsible_name=building.responsible,
                        responsible_title="楼栋长",
                    )
                )
    for unit in area_services.do_bulk_create_units(None, level6):
        leaves[(unit.path[:12], int(unit.path[12:15]), int(unit.path[15:]))] = unit
    return leaves


def _create_people(
    drafts: Iterator[HouseholdDraft], leaves: dict[LeafKey, AdminUnit], log: _Log
) -> tuple[int, int]:
    """Households then their persons, one service call each per ~``PERSON_CHUNK`` persons."""
    totals = [0, 0]
    batch: list[HouseholdDraft] = []
    batch_persons = 0

    def flush() -> None:
        households = area_services.do_bulk_create_households(
            None,
            [
                Household(number=d.number, unit=leaves[d.leaf], door=d.place.door, address=d.place.canonical)
                for d in batch
            ],
        )
        specs = []
        for draft, household in zip(batch, households, strict=True):
            for spec in draft.members:
                spec.household = household
                specs.append(spec)
        do_bulk_create_persons(None, specs)
        totals[0] += len(households)
        totals[1] += len(specs)
        log(f"  {totals[0]} households, {totals[1]} persons")

    for draft in drafts:
        batch.append(draft)
        batch_persons += len(draft.members)
        if batch_persons >= PERSON_CHUNK:
            flush()
            batch, batch_persons = [], 0
    if batch:
        flush()
    return totals[0], totals[1]
