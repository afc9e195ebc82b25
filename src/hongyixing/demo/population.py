"""Households and the persons in them (pure given the caller's ``random.Random``).

Household sizes, who lives together, names, ID numbers with historical address codes, phones, and
addresses written the ways people write them.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from hongyixing.areas.choices import UnitLevel
from hongyixing.areas.divisions import core_name
from hongyixing.demo import addresses, names
from hongyixing.demo.addresses import Place
from hongyixing.demo.plan import CompoundPlan, DistrictPlan, LeafPlan, VillagePlan, apportion, plan_district
from hongyixing.people import idnumbers
from hongyixing.people.choices import Relation, Residency
from hongyixing.people.services import PersonSpec

# The demo is set at the start of the 2020 epidemic: ages are counted at this date.
REFERENCE_DATE = dt.date(2020, 2, 1)
# Rural Jiangsu households: 1–6 members, mean ≈ 2.85 (many elderly couples and left-behind children).
HOUSEHOLD_SIZES = (1, 2, 3, 4, 5, 6)
HOUSEHOLD_SIZE_WEIGHTS = (0.17, 0.31, 0.22, 0.16, 0.09, 0.05)
_SIZE_CUM = list(itertools.accumulate(HOUSEHOLD_SIZE_WEIGHTS))
MOBILE_PREFIXES = tuple(
    [f"13{d}" for d in range(10)]
    + [f"15{d}" for d in "01235689"]
    + [f"18{d}" for d in range(10)]
    + ["191", "198", "199"]
)


def household_sizes(rng: random.Random, persons: int) -> list[int]:
    sizes = []
    total = 0
    while total < persons:
        size = min(rng.choices(HOUSEHOLD_SIZES, cum_weights=_SIZE_CUM)[0], persons - total)
        sizes.append(size)
        total += size
    return sizes


@dataclass
class Member:
    relation: str
    sex: str
    age: int
    family_line: bool  # carries the household's surname
    married_in: bool = False  # spouse or child's spouse: more often born elsewhere


def _clamp_age(age: int) -> int:
    return max(0, min(95, age))


def compose_household(rng: random.Random, size: int) -> list[Member]:
    """Who lives together: relations, sexes and ages that fit (an ageing rural population)."""
    members: list[Member] = []
    roll = rng.random()

    def kid() -> str:
        return "M" if rng.random() < 0.52 else "F"

    def add(relation: str, sex: str, age: int, line: bool = True, married_in: bool = False) -> None:
        members.append(Member(relation, sex, _clamp_age(age), line, married_in))

    def couple(head_age: int) -> int:
        """Head and spouse; returns the wife's age (children are counted from it)."""
        if rng.random() < 0.85:
            wife = head_age + rng.randint(-5, 1)
            add(Relation.HEAD, "M", head_age)
            add(Relation.SPOUSE, "F", wife, line=False, married_in=True)
            return wife
        add(Relation.HEAD, "F", head_age, line=False)
        add(Relation.SPOUSE, "M", head_age + rng.randint(-1, 5), married_in=True)
        return head_age

    def child_age(mother_age: int) -> int:
        age = mother_age - rng.randint(21, 36)
        return age if age >= 0 else rng.randint(0, max(0, mother_age - 20))

    def children(mother_age: int, count: int, relation: str = Relation.CHILD) -> list[int]:
        ages = sorted((child_age(mother_age) for _ in range(count)), reverse=True)
        for age in ages:
            add(relation, kid(), age)
        return ages

    def parents(head_age: int, count: int) -> None:
        father = head_age + rng.randint(22, 34)
        if count == 2:
            add(Relation.PARENT, "M", father)
            add(Relation.PARENT, "F", father + rng.randint(-5, 1), line=False)
        else:
            add(Relation.PARENT, "F" if rng.random() < 0.65 else "M", father)

    def three_generations(grandchildren: int) -> None:
        wife = couple(rng.randint(48, 70))
        son = max(wife - rng.randint(21, 32), 20)
        add(Relation.CHILD, "M", son)
        add(Relation.OTHER, "F", son + rng.randint(-4, 1), line=False, married_in=True)  # 儿媳
        children(son + rng.randint(-4, 1), grandchildren, Relation.GRANDCHILD)

    if size == 1:
        if roll < 0.6:
            add(Relation.HEAD, "F" if rng.random() < 0.6 else "M", rng.randint(60, 92))
        else:
            add(Relation.HEAD, "M" if rng.random() < 0.65 else "F", rng.randint(22, 59))
    elif size == 2:
        if roll < 0.55:
            couple(rng.randint(58, 90))
        elif roll < 0.75:
            couple(rng.randint(40, 60))
        elif roll < 0.83:
            couple(rng.randint(23, 35))
        elif roll < 0.95:
            head = rng.randint(40, 72)
            add(Relation.HEAD, "M" if rng.random() < 0.5 else "F", head)
            children(head, 1)
        else:
            add(Relation.HEAD, "M" if rng.random() < 0.5 else "F", rng.randint(55, 80))
            add(Relation.GRANDCHILD, kid(), rng.randint(3, 16))  # left-behind child
    elif size == 3:
        if roll < 0.5:
            children(couple(rng.randint(26, 55)), 1)
        elif roll < 0.75:
            couple(rng.randint(52, 75))
            add(Relation.GRANDCHILD, kid(), rng.randint(1, 17))
        elif roll < 0.9:
            head = rng.randint(35, 60)
            couple(head)
            parents(head, 1)
        else:
            children(couple(rng.randint(45, 65)), 1)
    elif size == 4:
        if roll < 0.45:
            children(couple(rng.randint(30, 50)), 2)
        elif roll < 0.65:
            couple(rng.randint(52, 75))
            for _ in range(2):
                add(Relation.GRANDCHILD, kid(), rng.randint(1, 17))
        elif roll < 0.85:
            head = rng.randint(35, 58)
            children(couple(head), 1)
            parents(head, 1)
        else:
            three_generations(0)
    elif size == 5:
        if roll < 0.45:
            three_generations(1)
        elif roll < 0.7:
            head = rng.randint(32, 55)
            children(couple(head), 2)
            parents(head, 1)
        elif roll < 0.85:
            head = rng.randint(30, 52)
            children(couple(head), 1)
            parents(head, 2)
        else:
            children(couple(rng.randint(32, 50)), 3)
    else:
        if roll < 0.55:
            three_generations(2)
        elif roll < 0.85:
            head = rng.randint(32, 52)
            children(couple(head), 2)
            parents(head, 2)
        else:
            head = rng.randint(32, 50)
            children(couple(head), 3)
            parents(head, 1)
    return members


def birth_date_for(rng: random.Random, age: int) -> dt.date:
    """A birth date giving exactly ``age`` years at the reference date."""
    start = REFERENCE_DATE.replace(year=REFERENCE_DATE.year - age - 1) + dt.timedelta(days=1)
    return min(start + dt.timedelta(days=rng.randrange(365)), REFERENCE_DATE)


def hongze_area_code(birth_date: dt.date) -> str:
    """The address code a Hongze-born person's ID carries: 322230 (–1982), 320829 (1983–2015), 320813."""
    if birth_date.year < 1983:
        return "322230"
    if birth_date.year < 2016:
        return "320829"
    return "320813"


def mobile(rng: random.Random) -> str:
    return f"{rng.choice(MOBILE_PREFIXES)}{rng.randrange(10**8):08d}"


def landline(rng: random.Random) -> str:
    return f"0517-8{rng.choice('77778')}{rng.randrange(10**6):06d}"


class PersonFactory:
    """Persons for one household at a time; remembers issued ID numbers so none repeats."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.issued: set[tuple[str, dt.date, int]] = set()
        self._origins = list(addresses.ORIGIN_WEIGHTS)
        self._origin_cum = list(itertools.accumulate(addresses.ORIGIN_WEIGHTS.values()))

    def id_number(self, area_code: str, birth: dt.date, sex: str) -> str:
        rng = self.rng
        while True:
            sequence = rng.randrange(500) * 2 + (1 if sex == "M" else 0)
            key = (area_code, birth, sequence)
            if key not in self.issued:
                self.issued.add(key)
                return idnumbers.make(area_code, birth, sequence)

    def origin(self) -> str:
        return self.rng.choices(self._origins, cum_weights=self._origin_cum)[0]

    def household(self, place: Place, size: int) -> list[PersonSpec]:
        """The members of one household (their ``household`` is set once it is saved)."""
        rng = self.rng
        members = compose_household(rng, size)
        family = names.surname(rng)
        migrant = rng.random() < (0.06 if place.is_community else 0.015)  # renters from elsewhere
        migrant_origin = self.origin() if migrant else ""
        shared_phone = rng.random() < 0.10
        has_landline = rng.random() < 0.06
        head_phone = ""
        specs = []
        for member in members:
            birth = birth_date_for(rng, member.age)
            if migrant:
                area = migrant_origin
            elif rng.random() < (0.12 if member.married_in else 0.03) and member.age >= 16:
                area = self.origin()
            else:
                area = hongze_area_code(birth)
            born_here = area in idnumbers.HONGZE_AREA_CODES
            if born_here:
                residency = Residency.REGISTERED
            else:
                roll = rng.random()
                residency = (
                    Residency.FLOATING
                    if migrant and roll < 0.6
                    else Residency.PERMANENT
                    if migrant
                    else Residency.REGISTERED
                    if roll < 0.55
                    else Residency.PERMANENT
                    if roll < 0.8
                    else Residency.FLOATING
                )
            name = names.full_name(rng, member.sex, birth.year, family if member.family_line else None)
            phones = self._phones(member, shared_phone, head_phone)
            if member.relation == Relation.HEAD:
                head_phone = phones[0] if phones else ""
                if has_landline:
                    phones.append(landline(rng))
            if residency == Residency.REGISTERED:
                domicile = addresses.written(rng, place)
            else:
                domicile = addresses.origin_address(rng, area) if area in addresses.ORIGINS else ""
            specs.append(
                PersonSpec(
                    name=name,
                    document_number=self.id_number(area, birth, member.sex),
                    phones=phones,
                    sex=member.sex,
                    birth_date=birth,
                    relation=member.relation,
                    residency=residency,
                    domicile_address=domicile,
                    current_address=addresses.written(rng, place),
                )
            )
        return specs

    def _phones(self, member: Member, shared: bool, head_phone: str) -> list[str]:
        rng = self.rng
        age = member.age
        if member.relation == Relation.HEAD and (shared or age < 80):
            own = rng.random() < (0.97 if age < 70 else 0.6) or shared
        elif age < 16:
            own = False
        elif age < 18:
            own = rng.random() < 0.6
        elif age < 70:
            own = rng.random() < 0.93
        else:
            own = rng.random() < 0.5
        if own:
            phones = [mobile(rng)]
            if rng.random() < 0.03:
                phones.append(mobile(rng))
            return phones
        if shared and head_phone and (age < 16 or age >= 70):
            return [head_phone]
        return []


def leaf_places(
    rng: random.Random, village: VillagePlan, leaf: LeafPlan, compound: CompoundPlan | None, count: int
) -> list[Place]:
    common: dict[str, Any] = {
        "town": village.town_name,
        "town_core": core_name(village.town_name, UnitLevel.TOWN),
        "village_core": village.core,
        "is_community": village.is_community,
    }
    if compound is None:
        houses, house = [], 0
        for _ in range(count):
            house += rng.choice((1, 1, 1, 2))
            houses.append(house)
        return [Place(**common, group=leaf.number, house=h) for h in houses]
    per_entrance = leaf.floors * 2
    capacity = per_entrance * leaf.entrances
    slots = sorted(rng.sample(range(capacity), count)) if count <= capacity else list(range(count))
    places = []
    for slot in slots:
        entrance, within = divmod(slot, per_entrance)
        floor, door = divmod(within, 2)
        places.append(
            Place(
                **common,
                compound=compound.name,
                building=leaf.number,
                entrance=entrance + 1,
                room=(floor + 1) * 100 + door + 1,
            )
        )
    return places


LeafKey = tuple[str, int, int]  # (village path, compound number or 0, group/building number)


@dataclass
class HouseholdDraft:
    number: str
    leaf: LeafKey
    place: Place
    members: list[PersonSpec]


def generate_households(rng: random.Random, plan: DistrictPlan, persons: int) -> Iterator[HouseholdDraft]:
    """Exactly ``persons`` persons in households spread over the villages in proportion to their size.

    Lazy and independent of how the caller batches: the same seed yields the same households.
    """
    sizes = household_sizes(rng, persons)
    per_village = apportion([v.weight for v in plan.villages], len(sizes))
    factory = PersonFactory(rng)
    size_iter = iter(sizes)
    for village, count in zip(plan.villages, per_village, strict=True):
        if not count:
            continue
        leaves: list[tuple[LeafPlan, CompoundPlan | None]] = [(g, None) for g in village.groups]
        leaves += [(b, c) for c in village.compounds for b in c.buildings]
        chosen = Counter(
            rng.choices(range(len(leaves)), weights=[leaf.weight for leaf, _c in leaves], k=count)
        )
        sequence = 0
        for index, (leaf, compound) in enumerate(leaves):
            if not chosen[index]:
                continue
            key = (village.path, compound.number if compound else 0, leaf.number)
            for place in leaf_places(rng, village, leaf, compound, chosen[index]):
                sequence += 1
                members = factory.household(place, next(size_iter))
                yield HouseholdDraft(f"{village.path}{sequence:05d}", key, place, members)


def generate(seed: int, persons: int) -> tuple[DistrictPlan, Iterator[HouseholdDraft]]:
    """The whole synthetic district for a seed, without touching the database (what seeding writes)."""
    rng = random.Random(seed)
    plan = plan_district(rng, persons)
    return plan, generate_households(rng, plan, persons)
