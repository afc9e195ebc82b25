"""The plan of the demo district's tree below the villages (pure: no database).

Groups for rural villages, compounds and buildings for communities, grids over them, and a
responsible person for every unit. Drawn from the caller's ``random.Random`` in a fixed order.
"""

from __future__ import annotations

import bisect
import itertools
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field

from hongyixing.areas.choices import UnitLevel
from hongyixing.areas.divisions import Division, core_name, read_divisions
from hongyixing.demo import names

DISTRICT_PATH = "320813"
DEFAULT_PERSONS = 285_000
FULL_SCALE_GRIDS = 410
FULL_SCALE_HOUSEHOLDS = 100_000
URBAN_TOWNS = ("320813001", "320813400")  # 高良涧街道 (the district seat), 洪泽经济开发区
BUILDING_FLOORS = ((5, 0.3), (6, 0.45), (7, 0.05), (11, 0.1), (18, 0.1))
BUILDING_ENTRANCES = ((1, 0.15), (2, 0.4), (3, 0.35), (4, 0.1))


def _weighted(rng: random.Random, options: Sequence[tuple[int, float]]) -> int:
    return rng.choices([v for v, _w in options], weights=[w for _v, w in options])[0]


# --- Allocation helpers (pure) -------------------------------------------------------------------


def apportion(
    weights: Sequence[float], total: int, *, minimum: int = 0, caps: Sequence[int] | None = None
) -> list[int]:
    """Split ``total`` in proportion to ``weights`` (largest remainder), each in ``[minimum, cap]``."""
    n = len(weights)
    limits = list(caps) if caps is not None else [total] * n
    if total < minimum * n or total > sum(limits):
        raise ValueError(f"cannot split {total} over {n} parts with minimum {minimum} and caps {sum(limits)}")
    weight_sum = float(sum(weights)) or 1.0
    quotas = [total * w / weight_sum for w in weights]
    alloc = [min(max(minimum, math.floor(q)), cap) for q, cap in zip(quotas, limits, strict=True)]
    missing = total - sum(alloc)
    while missing > 0:
        i = max((i for i in range(n) if alloc[i] < limits[i]), key=lambda i: quotas[i] - alloc[i])
        alloc[i] += 1
        missing -= 1
    while missing < 0:
        i = max((i for i in range(n) if alloc[i] > minimum), key=lambda i: alloc[i] - quotas[i])
        alloc[i] -= 1
        missing += 1
    return alloc


def partition(weights: Sequence[float], parts: int) -> list[int]:
    """Cut a row of weighted items into ``parts`` contiguous runs of similar weight; run number per item."""
    n = len(weights)
    if not 1 <= parts <= n:
        raise ValueError(f"cannot cut {n} items into {parts} runs")
    cumulative = list(itertools.accumulate(weights))
    total = cumulative[-1]
    ends: list[int] = []
    start = 0
    for k in range(1, parts):
        target = total * k / parts
        j = min(bisect.bisect_left(cumulative, target), n - 1)
        before = cumulative[j - 1] if j else 0.0
        end = j + 1 if cumulative[j] - target < target - before else j
        end = max(start + 1, min(end, n - (parts - k)))
        ends.append(end)
        start = end
    ends.append(n)
    result = []
    run = 0
    for i in range(n):
        while i >= ends[run]:
            run += 1
        result.append(run + 1)
    return result


def grid_target(persons: int, villages: int) -> int:
    """≈410 grids at the full 285,000 persons, scaled with the population, at least one per village."""
    return max(villages, round(FULL_SCALE_GRIDS * persons / DEFAULT_PERSONS))


# --- The plan of the tree (pure: no database) ----------------------------------------------------


@dataclass
class LeafPlan:
    """A villager group or a building: where households live, the unit a grid covers."""

    number: int
    name: str
    weight: float
    responsible: str
    floors: int = 0
    entrances: int = 0
    grid: int = 0  # grid number within the village


@dataclass
class CompoundPlan:
    number: int
    name: str
    responsible: str
    buildings: list[LeafPlan] = field(default_factory=list)


@dataclass
class VillagePlan:
    path: str
    name: str
    town_path: str
    town_name: str
    is_community: bool
    weight: float  # expected households at full scale
    responsible: str
    groups: list[LeafPlan] = field(default_factory=list)
    compounds: list[CompoundPlan] = field(default_factory=list)
    grid_workers: list[str] = field(default_factory=list)

    @property
    def core(self) -> str:
        return core_name(self.name, UnitLevel.VILLAGE)

    @property
    def canonical(self) -> str:
        return self.core + ("社区" if self.is_community else "村")

    @property
    def leaves(self) -> list[LeafPlan]:
        return self.groups or [b for c in self.compounds for b in c.buildings]

    @property
    def grid_count(self) -> int:
        return len(self.grid_workers)


@dataclass
class DistrictPlan:
    villages: list[VillagePlan]
    town_names: dict[str, str]
    responsibles: dict[str, tuple[str, str]]  # path → (name, post) for district, towns and villages

    @property
    def grid_count(self) -> int:
        return sum(v.grid_count for v in self.villages)

    @property
    def unit_count(self) -> int:
        return sum(
            len(v.groups) + len(v.compounds) + sum(len(c.buildings) for c in v.compounds)
            for v in self.villages
        )


def is_community(name: str) -> bool:
    return any(s in name for s in ("社区", "居委会", "居民委员会"))


def _village_weight(rng: random.Random, division: Division) -> float:
    if "虚拟" in division.name:
        return 120.0
    if is_community(division.name):
        town = division.parent_code[:9]
        return rng.uniform(1400, 3400) if town in URBAN_TOWNS else rng.uniform(600, 1600)
    return rng.uniform(450, 1100)


def _plan_community(rng: random.Random, village: VillagePlan, namer: names.CompoundNamer) -> None:
    count = max(1, min(4, round(village.weight / 800 + rng.uniform(-0.5, 0.5))))
    shares = [rng.uniform(0.5, 1.5) for _ in range(count)]
    for number, share in enumerate(shares, start=1):
        compound = CompoundPlan(number, namer.next(), names.staff_name(rng))
        households = village.weight * share / sum(shares)
        floors = _weighted(rng, BUILDING_FLOORS)
        entrances = _weighted(rng, BUILDING_ENTRANCES)
        capacity = floors * entrances * 2
        buildings = max(2, min(40, math.ceil(households / (capacity * 0.85))))
        for b in range(1, buildings + 1):
            b_entrances = max(1, entrances + rng.choice((-1, 0, 0, 0, 1)))
            weight = floors * b_entrances * 2 * rng.uniform(0.75, 0.95)
            compound.buildings.append(
                LeafPlan(b, f"{b}栋", weight, names.staff_name(rng), floors=floors, entrances=b_entrances)
            )
        village.compounds.append(compound)


def _plan_rural(rng: random.Random, village: VillagePlan) -> None:
    count = max(6, min(14, round(village.weight / 85 + rng.uniform(-1.5, 1.5))))
    for g in range(1, count + 1):
        village.groups.append(LeafPlan(g, names.group_name(g), rng.uniform(0.6, 1.4), names.staff_name(rng)))


def plan_district(
    rng: random.Random, persons: int = DEFAULT_PERSONS, divisions: list[Division] | None = None
) -> DistrictPlan:
    """Groups, compounds, buildings and grids for every Hongze village, with responsible persons."""
    divisions = divisions if divisions is not None else read_divisions()
    hongze = [d for d in divisions if d.code.startswith(DISTRICT_PATH)]
    towns = {d.path: d.name for d in hongze if d.level == UnitLevel.TOWN}
    responsibles: dict[str, tuple[str, str]] = {
        DISTRICT_PATH: (names.staff_name(rng), "区委书记、区疫情防控指挥部指挥长")
    }
    for path, name in towns.items():
        post = "党工委书记" if name.endswith(("街道", "开发区")) else "镇党委书记"
        responsibles[path] = (names.staff_name(rng), post)
    namer = names.CompoundNamer(rng)
    villages = []
    for division in sorted((d for d in hongze if d.level == UnitLevel.VILLAGE), key=lambda d: d.path):
        town_path = division.path[:9]
        village = VillagePlan(
            path=division.path,
            name=division.name,
            town_path=town_path,
            town_name=towns[town_path],
            is_community=is_community(division.name),
            weight=_village_weight(rng, division),
            responsible=names.staff_name(rng),
        )
        responsibles[village.path] = (
            village.responsible,
            "社区党组织书记" if village.is_community else "村党组织书记",
        )
        if village.is_community:
            _plan_community(rng, village, namer)
        else:
            _plan_rural(rng, village)
        villages.append(village)
    scale = FULL_SCALE_HOUSEHOLDS / sum(v.weight for v in villages)
    for village in villages:
        village.weight *= scale
    # Grids: proportional to households, at least one per village, never more than the units to cover.
    caps = [len(v.leaves) for v in villages]
    target = min(sum(caps), grid_target(persons, len(villages)))
    for village, count in zip(
        villages, apportion([v.weight for v in villages], target, minimum=1, caps=caps), strict=True
    ):
        leaves = village.leaves
        for leaf, grid in zip(leaves, partition([leaf.weight for leaf in leaves], count), strict=True):
            leaf.grid = grid
        village.grid_workers = [names.staff_name(rng) for _ in range(count)]
    return DistrictPlan(villages, towns, responsibles)
