"""The admin divisions of public record shipped with the product, and their name variants."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from hongyixing.areas.choices import AliasKind, UnitLevel

DIVISIONS_CSV = Path(__file__).parent / "data" / "hongze-divisions.csv"
PARENT_PATH_LENGTH = {"city": 4, "district": 6, "town": 9, "village": 12}

# Longest first, so 社区居委会 is cut before 居委会.
VILLAGE_SUFFIXES = (
    "社区居民委员会",
    "村民委员会",
    "社区居委会",
    "居民委员会",
    "居委会",
    "村委会",
    "社区",
    "村",
)
TOWN_SUFFIXES = ("街道办事处", "街道", "镇", "乡")
FORMER_NAMES = {"320813": [("洪泽县", "2016-10-08")]}


@dataclass(frozen=True)
class Division:
    code: str
    name: str
    level: str
    parent_code: str

    @property
    def path(self) -> str:
        return path_of(self.code, self.level)


def path_of(code: str, level: str) -> str:
    """Statistical codes pad with zeros (320800 is the city); the path keeps the significant part."""
    if level == UnitLevel.CITY:
        return code[:4]
    return code[: PARENT_PATH_LENGTH[level]]


# When a district took its present form (the unit's valid_from); data of public record, not logic.
ESTABLISHED = {"320813": "2016-10-08"}


def read_divisions(path: Path | None = None) -> list[Division]:
    """The divisions file (the configured one, or the shipped one) as divisions."""
    if path is None:
        from hongyixing.areas.district import divisions_file

        path = divisions_file()
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return [
            Division(
                row["code"].strip(), row["name"].strip(), row["level"].strip(), row["parent_code"].strip()
            )
            for row in csv.DictReader(handle)
        ]


def core_name(name: str, level: str) -> str:
    suffixes = (
        VILLAGE_SUFFIXES if level == UnitLevel.VILLAGE else TOWN_SUFFIXES if level == UnitLevel.TOWN else ()
    )
    for suffix in suffixes:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    if level in (UnitLevel.DISTRICT, UnitLevel.CITY) and name[-1] in "区县市" and len(name) > 2:
        return name[:-1]
    return name


def aliases(division: Division) -> Iterator[tuple[str, str, str | None]]:
    """(alias, kind, valid_to) for a division's other names."""
    seen = {division.name}
    core = core_name(division.name, division.level)

    def fresh(alias: str) -> bool:
        if alias in seen:
            return False
        seen.add(alias)
        return True

    if core != division.name and fresh(core):
        yield core, AliasKind.SHORT, None
    if division.level == UnitLevel.VILLAGE:
        is_community = any(s in division.name for s in ("社区", "居委会", "居民委员会"))
        variants = ("社区", "居委会", "社区居委会") if is_community else ("村", "村委会", "村民委员会")
        for suffix in variants:
            if fresh(core + suffix):
                yield core + suffix, AliasKind.SUFFIX, None
    if division.level == UnitLevel.TOWN:
        town_variants = {"街道": ("街道", "街道办事处"), "镇": ("镇",), "乡": ("乡",)}
        for ending, suffixes in town_variants.items():
            if division.name.endswith(ending):
                for suffix in suffixes:
                    if fresh(core + suffix):
                        yield core + suffix, AliasKind.SUFFIX, None
    for former, valid_to in FORMER_NAMES.get(division.code, []):
        if fresh(former):
            yield former, AliasKind.FORMER, valid_to
        short = core_name(former, division.level)
        if fresh(short):
            yield short, AliasKind.FORMER, valid_to
