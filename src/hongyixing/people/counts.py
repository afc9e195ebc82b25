"""The tree's person and household counts straight from the rows (the counters' correctness check).

It lives in people, not areas: areas never reads persons (dependencies point one way)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, QuerySet

from hongyixing.areas.choices import ancestor_paths
from hongyixing.areas.models import Household
from hongyixing.people.choices import PersonStatus
from hongyixing.people.models import Person


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
    """Counts straight from persons and households, grouped per leaf and rolled up the tree.

    Persons count while on the register: a person who moved away or died stays on file, uncounted."""
    residents = Person.objects.filter(status=PersonStatus.RESIDENT)
    return RawCounts(
        unit_persons=_rolled_up(residents.values("unit_path").annotate(n=Count("id")), "unit_path"),
        unit_households=_rolled_up(
            Household.objects.values("unit_path").annotate(n=Count("id")), "unit_path"
        ),
        grid_persons={
            r["grid_id"]: r["n"]
            for r in residents.filter(grid__isnull=False).values("grid_id").annotate(n=Count("id"))
        },
        grid_households={
            r["grid_id"]: r["n"] for r in Household.objects.values("grid_id").annotate(n=Count("id"))
        },
    )
