"""Linking never takes a row for a resident its own ID number or birth date contradicts."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from hongyixing.people import idnumbers
from hongyixing.verification import services
from hongyixing.verification.models import PushRow, PushSource
from tests.personas import World

ADDRESS = "高良涧街道临河社区幸福家园A3栋501室"


def _intake(world: World, *values: dict[str, str]):
    rows = [services.PlainRow(row_number=n + 2, values=v, raw=list(v.values())) for n, v in enumerate(values)]
    return services.do_intake(
        world.users["district"],
        PushSource.objects.get(code="province-big-data"),
        rows,
        title="协查",
        category="general",
        headers=list(values[0]),
    )


def _rows(result) -> dict[int, PushRow]:
    return {r.row_number: r for r in PushRow.objects.filter(batch=result.batch)}


def test_a_valid_id_of_someone_else_blocks_the_same_name_at_the_address(world: World) -> None:
    other = idnumbers.make("320829", dt.date(1991, 7, 9), 31)  # not in the registry
    result = _intake(world, {"name": "王建国", "id_number": other, "phone": "", "address": ADDRESS})
    row = _rows(result)[2]
    assert row.person is None
    assert any("王建国" in w for w in row.warnings)
    # Still routed by the address: the person is verified, just not taken for the resident.
    assert row.task is not None and row.task.grid == world.a.grid


def test_a_contradicting_birth_date_blocks_the_link(world: World) -> None:
    # A spreadsheet kept only the birth part of the ID (1991-07-17): not the resident's (1970-01-15).
    result = _intake(
        world, {"name": "王建国", "id_number": "3.20829199107E+17", "phone": "", "address": ADDRESS}
    )
    row = _rows(result)[2]
    assert row.person is None and any("王建国" in w for w in row.warnings)


def test_phone_and_name_with_another_id_do_not_link(world: World) -> None:
    other = idnumbers.make("320829", dt.date(1991, 7, 9), 31)
    result = _intake(
        world, {"name": "王建国", "id_number": other, "phone": world.a.plain_phones[0], "address": ""}
    )
    row = _rows(result)[2]
    assert row.person is None and any("王建国" in w for w in row.warnings)


def test_a_homophone_links_only_with_an_agreeing_birth_date_or_phone(world: World) -> None:
    resident = world.a.persons[1]  # 李秀英
    result = _intake(
        world,
        {"name": "黎秀英", "id_number": "", "phone": "", "address": ADDRESS},
        {"name": "黎秀英", "id_number": "", "phone": world.a.plain_phones[1], "address": ADDRESS},
        {"name": "李绣英", "id_number": "", "phone": "13900000000", "address": ADDRESS},
    )
    rows = _rows(result)
    assert rows[2].person is None
    assert rows[3].person == resident and rows[3].warnings
    assert rows[4].person is None  # sounds alike, but the phone is another one


def test_same_name_and_matching_id_still_links(world: World) -> None:
    result = _intake(world, {"name": "王建国", "id_number": world.a.plain_ids[0], "phone": "", "address": ""})
    assert _rows(result)[2].person == world.a.persons[0]


def _mistyped(number: str, position: int) -> str:
    digit = str((int(number[position]) + 3) % 10)
    typo = number[:position] + digit + number[position + 1 :]
    assert not idnumbers.is_valid(typo)
    return typo


VILLAGE_ADDRESS = "高良涧街道临河社区人民路18号"  # the village and a street: no group or building


def test_an_id_one_slip_off_links_when_the_name_matches(world: World) -> None:
    typo = _mistyped(world.a.plain_ids[0], 8)  # a birth-year digit: the birth date it gives is wrong too
    result = _intake(
        world,
        {"name": "王建国", "id_number": typo, "phone": "", "address": ""},
        {"name": "张三", "id_number": typo, "phone": "", "address": ""},
    )
    rows = _rows(result)
    assert rows[2].person == world.a.persons[0]
    assert "一" in rows[2].link_reason or "slip" in rows[2].link_reason
    assert rows[2].warnings  # the typo itself is still shown
    assert rows[3].person is None  # the same slip with another name is nobody


def test_a_name_links_to_the_only_resident_of_that_name_in_the_village(world: World) -> None:
    result = _intake(world, {"name": "李秀英", "id_number": "", "phone": "", "address": VILLAGE_ADDRESS})
    row = _rows(result)[2]
    assert row.person == world.a.persons[1]
    assert "村" in row.link_reason or "village" in row.link_reason


def test_two_residents_of_one_name_in_the_village_link_neither(world: World) -> None:
    from hongyixing.areas import services as areas
    from hongyixing.people.services import PersonSpec, create_person

    household = areas.do_create_household(
        None, world.a.building, "H-second", "临河社区幸福家园3栋502室", "502室"
    )
    create_person(
        None,
        PersonSpec(
            name="李秀英",
            document_number=idnumbers.make("320829", dt.date(1955, 3, 1), 42),
            household=household,
            relation="head",
        ),
    )
    result = _intake(world, {"name": "李秀英", "id_number": "", "phone": "", "address": VILLAGE_ADDRESS})
    assert _rows(result)[2].person is None


def test_a_village_name_match_with_another_valid_id_is_blocked(world: World) -> None:
    other = idnumbers.make("320829", dt.date(1988, 2, 3), 51)  # valid, nobody in the registry
    result = _intake(world, {"name": "李秀英", "id_number": other, "phone": "", "address": VILLAGE_ADDRESS})
    row = _rows(result)[2]
    assert row.person is None and any("李秀英" in w for w in row.warnings)


def _beyond_repair(number: str) -> str:
    """Two digits of the sequence mistyped: the check character fails and no single slip leads back."""
    for a, b in ((3, 5), (1, 7), (2, 4), (4, 1)):
        broken = number[:14] + str((int(number[14]) + a) % 10) + str((int(number[15]) + b) % 10) + number[16:]
        if not idnumbers.is_valid(broken) and number not in idnumbers.near_misses(broken):
            return broken
    raise AssertionError("no two-digit slip of this number fails its check")


def test_name_and_birth_date_link_when_the_id_is_beyond_repair(world: World) -> None:
    resident = world.a.persons[0]
    broken = _beyond_repair(world.a.plain_ids[0])  # its birth part (the resident's) is intact
    elsewhere = idnumbers.make("320829", dt.date(1991, 7, 9), 31)[:14] + broken[14:]  # another birth date
    result = _intake(
        world,
        {"name": resident.name, "id_number": broken, "phone": "", "address": ""},
        {"name": resident.name, "id_number": elsewhere, "phone": "", "address": ""},
    )
    rows = _rows(result)
    assert rows[2].person == resident
    assert rows[2].link_reason == _("Name and birth date match")
    assert rows[3].person is None  # the same name born another day is nobody in the registry


def test_a_name_in_two_lookup_chunks_still_links_the_only_resident(world: World, monkeypatch) -> None:
    # Chunks of two (village, name) pairs: the first holds both villages and 李秀英, the second 李秀英 of
    # village B again. B's 李秀英 came back from both queries and, counted twice, was no longer the only one.
    from hongyixing.verification import linking

    monkeypatch.setattr(linking, "CHUNK", 2)
    street_b = "岔河镇淮宝居委会人民路18号"
    result = _intake(
        world,
        {"name": "李秀英", "id_number": "", "phone": "", "address": VILLAGE_ADDRESS},
        {"name": "丁一", "id_number": "", "phone": "", "address": street_b},
        {"name": "李秀英", "id_number": "", "phone": "", "address": street_b},
    )
    rows = _rows(result)
    assert rows[2].person == world.a.persons[1]
    assert rows[3].person is None
    assert rows[4].person == world.b.persons[1]
