"""The demo district: Hongze's real divisions, with generated groups, compounds, grids, households,
persons and staff. Deterministic for a seed: one ``random.Random(seed)`` drives everything, consumed in
a fixed order (the tree first, so a seed gives the same tree whatever the population).

Every write goes through the importer or services (``areas``, ``people``, ``accounts``); the demo
modules only plan: ``plan`` (the tree and grids), ``population`` (households and persons), ``files``
(the import files), ``staff`` (users, logins).
"""

from __future__ import annotations

import time
from typing import Protocol

from hongyixing.areas import services as area_services
from hongyixing.areas.choices import UnitLevel
from hongyixing.areas.models import AdminUnit, Grid
from hongyixing.core.context import request_context
from hongyixing.demo import files, staff
from hongyixing.demo.cases_scenario import seed_cases
from hongyixing.demo.command import seed_command
from hongyixing.demo.control_scenario import seed_control
from hongyixing.demo.economy import REGISTER_PERSONS_NEEDED, seed_economy
from hongyixing.demo.plan import DEFAULT_PERSONS, DISTRICT_PATH, DistrictPlan
from hongyixing.demo.population import generate
from hongyixing.demo.register import (
    PERSON_CHUNK,
    Beside,
    default_workers,
    import_rows,
    load_register,
    unflushed_commits,
)
from hongyixing.exchange.importer import NEW

DEFAULT_SEED = 2020
LEAF_LEVELS = (UnitLevel.GROUP, UnitLevel.COMPOUND, UnitLevel.BUILDING)


class Writer(Protocol):
    def write(self, text: str, /) -> object: ...


class _Log:
    def __init__(self, out: Writer | None) -> None:
        self.out = out
        self.start = time.perf_counter()
        self.cpu = time.process_time()

    def __call__(self, message: str) -> None:
        if self.out is not None:
            cpu = time.process_time() - self.cpu
            self.out.write(f"[{time.perf_counter() - self.start:6.1f}s, cpu {cpu:6.1f}s] {message}\n")
            flush = getattr(self.out, "flush", None)
            if flush:
                flush()


def seed_district(
    persons: int = DEFAULT_PERSONS,
    seed: int = DEFAULT_SEED,
    *,
    out: Writer | None = None,
    workers: int | None = None,
    register_slice: int = PERSON_CHUNK,
) -> dict[str, int]:
    """Fill an empty database with the demo district; returns what was created.

    The master data goes in as a district brings it: the demo files (``demo.files``, here as csv in
    memory) through ``exchange.importer.run_import`` with the command line's context — units, grids,
    then the register in slices of whole households. Then what no file carries: who answers for each
    group, compound and building, the staff with their demo logins and second factors, and the
    scenarios (economy — beside the register where it can, ``demo.register`` — control week, cases,
    command centre).

    ``workers`` processes load the register (``demo.register``; default: one per core, at most two);
    one, or a seed inside a transaction, loads it here. The result is the same either way.
    ``register_slice``: register rows per import (whole households), which bounds the memory.
    """
    if persons < 1:
        raise ValueError("persons must be at least 1")
    log = _Log(out)
    counts = {"units": 0, "grids": 0, "households": 0, "persons": 0, "users": 0}
    with request_context(f"seed-demo-{seed}"), unflushed_commits():
        counts["units"] += area_services.do_load_divisions(None)
        plan, drafts = generate(seed, persons)
        log(f"plan: {len(plan.villages)} villages, {plan.unit_count} units, {plan.grid_count} grids")
        units = {u.path: u for u in AdminUnit.objects.filter(path__startswith=DISTRICT_PATH)}
        _set_responsibles(plan, units)
        import_rows("units", files.UNIT_HEADERS, files.unit_rows(plan))
        _set_leaf_responsibles(plan)  # also checks that every planned unit is there, at its path
        counts["units"] += plan.unit_count
        counts["grids"] = import_rows("grids", files.GRID_HEADERS, files.grid_rows(plan, seed))[NEW]
        log(f"tree: {counts['units']} units, {counts['grids']} grids (imported)")
        units = {u.path: u for u in AdminUnit.objects.filter(path__startswith=DISTRICT_PATH)}
        grids = {(g.unit_path, int(g.code.rsplit("-", 1)[1])): g for g in Grid.objects.all()}
        counts["users"] = staff.create_staff(seed, plan, units, grids)
        staff.link_responsibles(plan, units, grids)
        log(f"staff: {counts['users']} users")
        # The economy needs only the register's first persons: on PostgreSQL it runs beside the rest.
        register = load_register(
            plan,
            drafts,
            log,
            workers=default_workers() if workers is None else workers,
            chunk=register_slice,
            beside=Beside(lambda: seed_economy(seed), REGISTER_PERSONS_NEEDED),
        )
        # Counters moved with every bulk write the importer made: no recount.
        counts["households"], counts["persons"] = register.households, register.persons
        if register.worker_peak_rss:
            log(f"register workers' peak RSS together: {register.worker_peak_rss / 2**20:.0f} MiB")
        log(f"people: {counts['households']} households, {counts['persons']} persons")
        economy = register.beside
        log(
            f"economy{' (beside the register)' if register.overlapped else ''}: "
            f"{economy['enterprises']} enterprises, {economy['employees']} returning staff, "
            f"{economy['claims']} claims"
        )
        control = seed_control(seed)
        log(f"control measures: {control['measures']} measures, 2 quarantine sites")
        cases = seed_cases(seed)
        log(
            f"cases: {cases['cases']} cases, {cases['contacts']} contacts, {cases['generations']} generations"
        )
        command = seed_command(seed)
        counts.update(command)
        log(f"command centre: {command['shifts']} duty shifts, {command['visits']} visits")
        staff.write_logins(seed=seed, persons=persons)
    return counts


def _set_responsibles(plan: DistrictPlan, units: dict[str, AdminUnit]) -> None:
    for path, (name, post) in plan.responsibles.items():
        unit = units[path]
        if unit.responsible_name != name or unit.responsible_title != post:
            area_services.do_update_unit(
                None, unit, unit.version, responsible_name=name, responsible_title=post
            )


def _set_leaf_responsibles(plan: DistrictPlan) -> None:
    """Group heads, compound secretaries and building heads: a units file names the units only."""
    wanted: dict[str, tuple[str, str]] = {}
    for village in plan.villages:
        for group in village.groups:
            wanted[f"{village.path}{group.number:03d}"] = (group.responsible, "村民小组长")
        for compound in village.compounds:
            path = f"{village.path}{compound.number:03d}"
            wanted[path] = (compound.responsible, "小区党支部书记")
            for building in compound.buildings:
                wanted[f"{path}{building.number:03d}"] = (building.responsible, "楼栋长")
    below = AdminUnit.objects.filter(path__startswith=DISTRICT_PATH, level__in=LEAF_LEVELS)
    changes = [(unit, *wanted[unit.path]) for unit in below if unit.path in wanted]
    if len(changes) != len(wanted):
        raise RuntimeError("the imported units do not have the paths the demo plan gives them")
    area_services.do_bulk_set_responsibles(None, changes)
