"""The shipped admin divisions of Hongze and the name variants people use for them."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from hongyixing.areas.choices import AliasKind, UnitLevel
from hongyixing.areas.divisions import (
    DIVISIONS_CSV,
    Division,
    aliases,
    core_name,
    path_of,
    read_divisions,
)

HONGZE = "320813"


@pytest.fixture(scope="module")
def divisions() -> list[Division]:
    return read_divisions()


@pytest.fixture(scope="module")
def by_code(divisions: list[Division]) -> dict[str, Division]:
    return {division.code: division for division in divisions}


def alias_list(
    name: str, level: str, code: str = "999999999999", parent: str = ""
) -> list[tuple[str, str, str | None]]:
    return list(aliases(Division(code, name, level, parent)))


# ---------------------------------------------------------------- the shipped CSV


def test_shipped_csv_exists() -> None:
    assert DIVISIONS_CSV.is_file()


def test_ten_towns_and_126_villages_under_hongze(divisions: list[Division]) -> None:
    towns = [d for d in divisions if d.level == UnitLevel.TOWN]
    villages = [d for d in divisions if d.level == UnitLevel.VILLAGE]
    assert len(towns) == 10
    assert len(villages) == 126
    assert all(d.parent_code == HONGZE and d.code.startswith(HONGZE) for d in towns)
    assert all(d.code.startswith(HONGZE) for d in villages)
    town_codes = {d.code for d in towns}
    assert all(d.parent_code in town_codes for d in villages)


def test_levels_and_hongze_itself(by_code: dict[str, Division], divisions: list[Division]) -> None:
    counts = Counter(d.level for d in divisions)
    assert counts[UnitLevel.CITY] == 1
    assert by_code["320800"].name == "淮安市"
    assert by_code[HONGZE] == Division(HONGZE, "洪泽区", UnitLevel.DISTRICT, "320800")
    assert by_code["320813001"].name == "高良涧街道"
    assert by_code["320813001001"].name == "临河社区居委会"


def test_codes_are_unique_digit_strings_of_the_right_length(divisions: list[Division]) -> None:
    codes = [d.code for d in divisions]
    assert len(codes) == len(set(codes))
    expected_length = {UnitLevel.CITY: 6, UnitLevel.DISTRICT: 6, UnitLevel.TOWN: 9, UnitLevel.VILLAGE: 12}
    for division in divisions:
        assert division.code.isascii() and division.code.isdigit(), division
        assert len(division.code) == expected_length[division.level], division
        assert division.name == division.name.strip() and division.name, division


def test_every_parent_exists_and_is_one_level_up(
    by_code: dict[str, Division], divisions: list[Division]
) -> None:
    order = [UnitLevel.CITY, UnitLevel.DISTRICT, UnitLevel.TOWN, UnitLevel.VILLAGE]
    for division in divisions:
        if division.level == UnitLevel.CITY:
            assert division.parent_code == ""
            continue
        parent = by_code[division.parent_code]
        assert order.index(parent.level) == order.index(division.level) - 1, division


def test_parent_paths_are_prefixes_of_child_paths(
    by_code: dict[str, Division], divisions: list[Division]
) -> None:
    for division in divisions:
        if not division.parent_code:
            continue
        parent = by_code[division.parent_code]
        assert division.path.startswith(parent.path), (division, parent)
        assert division.path != parent.path


def test_paths_are_unique_and_have_the_level_length(divisions: list[Division]) -> None:
    lengths = {UnitLevel.CITY: 4, UnitLevel.DISTRICT: 6, UnitLevel.TOWN: 9, UnitLevel.VILLAGE: 12}
    paths = [d.path for d in divisions]
    assert len(paths) == len(set(paths))
    for division in divisions:
        assert len(division.path) == lengths[division.level]


def test_sibling_paths_are_not_prefixes_of_each_other(divisions: list[Division]) -> None:
    paths = sorted(d.path for d in divisions)
    for a in paths:
        for b in paths:
            if a != b and b.startswith(a):
                # Only an ancestor may be a prefix: a shorter path at a higher level.
                assert len(a) < len(b)


@pytest.mark.parametrize(
    ("code", "level", "path"),
    [
        ("320800", UnitLevel.CITY, "3208"),
        ("320813", UnitLevel.DISTRICT, "320813"),
        ("320813001", UnitLevel.TOWN, "320813001"),
        ("320813001001", UnitLevel.VILLAGE, "320813001001"),
        (
            "320813001000",
            UnitLevel.TOWN,
            "320813001",
        ),  # a 12-digit statistical code keeps its significant part
    ],
)
def test_path_of(code: str, level: str, path: str) -> None:
    assert path_of(code, level) == path


def test_read_divisions_strips_and_handles_a_bom(tmp_path: Path) -> None:
    csv_file = tmp_path / "d.csv"
    csv_file.write_text(
        "\ufeffcode,name,level,parent_code\n"
        " 320813 , 洪泽区 ,district, 320800\n"
        "320813101,蒋坝镇,town,320813\n",
        encoding="utf-8",
    )
    assert read_divisions(csv_file) == [
        Division("320813", "洪泽区", "district", "320800"),
        Division("320813101", "蒋坝镇", "town", "320813"),
    ]


# ---------------------------------------------------------------- core names


@pytest.mark.parametrize(
    ("name", "level", "core"),
    [
        ("临河社区居委会", UnitLevel.VILLAGE, "临河"),
        ("临河社区居民委员会", UnitLevel.VILLAGE, "临河"),
        ("崔朱居委会", UnitLevel.VILLAGE, "崔朱"),
        ("大魏居民委员会", UnitLevel.VILLAGE, "大魏"),
        ("胡庄村委会", UnitLevel.VILLAGE, "胡庄"),
        ("胡庄村民委员会", UnitLevel.VILLAGE, "胡庄"),
        ("胡庄村", UnitLevel.VILLAGE, "胡庄"),
        ("临河社区", UnitLevel.VILLAGE, "临河"),
        ("洪泽园三村居委会", UnitLevel.VILLAGE, "洪泽园三村"),
        ("王村", UnitLevel.VILLAGE, "王村"),  # never cut to a single character
        ("高良涧街道", UnitLevel.TOWN, "高良涧"),
        ("高良涧街道办事处", UnitLevel.TOWN, "高良涧"),
        ("蒋坝镇", UnitLevel.TOWN, "蒋坝"),
        ("岔河镇", UnitLevel.TOWN, "岔河"),
        ("某某乡", UnitLevel.TOWN, "某某"),
        ("洪泽区", UnitLevel.DISTRICT, "洪泽"),
        ("洪泽县", UnitLevel.DISTRICT, "洪泽"),
        ("淮安市", UnitLevel.CITY, "淮安"),
        ("县区", UnitLevel.DISTRICT, "县区"),
        ("蒋坝镇", UnitLevel.VILLAGE, "蒋坝镇"),  # suffixes only apply at their own level
        ("胡庄村", UnitLevel.TOWN, "胡庄村"),
    ],
)
def test_core_name(name: str, level: str, core: str) -> None:
    assert core_name(name, level) == core


def test_shipped_core_names_are_at_least_two_characters(divisions: list[Division]) -> None:
    for division in divisions:
        assert len(core_name(division.name, division.level)) >= 2, division


# ---------------------------------------------------------------- aliases


def test_community_aliases() -> None:
    assert alias_list("临河社区居委会", UnitLevel.VILLAGE) == [
        ("临河", AliasKind.SHORT, None),
        ("临河社区", AliasKind.SUFFIX, None),
        ("临河居委会", AliasKind.SUFFIX, None),
    ]


def test_shipped_linhe_community_aliases(by_code: dict[str, Division]) -> None:
    names = {alias for alias, _, _ in aliases(by_code["320813001001"])}
    assert names == {"临河", "临河社区", "临河居委会"}


def test_village_committee_aliases() -> None:
    assert alias_list("胡庄村委会", UnitLevel.VILLAGE) == [
        ("胡庄", AliasKind.SHORT, None),
        ("胡庄村", AliasKind.SUFFIX, None),
        ("胡庄村民委员会", AliasKind.SUFFIX, None),
    ]


def test_shipped_village_committee_aliases(divisions: list[Division]) -> None:
    committees = [d for d in divisions if d.level == UnitLevel.VILLAGE and d.name.endswith("村委会")]
    assert committees
    for division in committees:
        core = division.name[: -len("村委会")]
        names = {alias for alias, _, _ in aliases(division)}
        assert {core, core + "村", core + "村民委员会"} <= names, division
        assert not any(alias.endswith(("社区", "居委会")) for alias in names), division


def test_hongze_district_keeps_its_former_county_name(by_code: dict[str, Division]) -> None:
    found = list(aliases(by_code[HONGZE]))
    assert ("洪泽", AliasKind.SHORT, None) in found
    assert ("洪泽县", AliasKind.FORMER, "2016-10-08") in found
    # The short form of 洪泽县 is 洪泽, already given once as the short name.
    assert [alias for alias, _, _ in found].count("洪泽") == 1


def test_only_hongze_has_a_former_name(divisions: list[Division]) -> None:
    for division in divisions:
        former = [a for a in aliases(division) if a[1] == AliasKind.FORMER]
        assert bool(former) == (division.code == HONGZE), division


def test_subdistrict_aliases() -> None:
    assert alias_list("高良涧街道", UnitLevel.TOWN) == [
        ("高良涧", AliasKind.SHORT, None),
        ("高良涧街道办事处", AliasKind.SUFFIX, None),
    ]


def test_town_aliases_do_not_invent_a_subdistrict() -> None:
    assert alias_list("蒋坝镇", UnitLevel.TOWN) == [("蒋坝", AliasKind.SHORT, None)]


def test_aliases_are_unique_and_never_the_name_itself(divisions: list[Division]) -> None:
    for division in divisions:
        found = list(aliases(division))
        names = [alias for alias, _, _ in found]
        assert len(names) == len(set(names)), division
        assert division.name not in names, division
        assert all(alias for alias in names)
        assert all(kind in AliasKind.values for _, kind, _ in found)
        assert all(valid_to is None for _, kind, valid_to in found if kind != AliasKind.FORMER)
