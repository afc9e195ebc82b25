"""The master-data imports (units, grids, residents, staff) against good and bad files."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from hongyixing.accounts.admin_services import import_context
from hongyixing.accounts.models import Grant, User
from hongyixing.areas.models import AdminUnit, Grid, Household
from hongyixing.core.crypto import unseal
from hongyixing.core.models import ChangeLog, DomainEvent
from hongyixing.exchange.importer import CHANGED, ERROR, NEW, UNCHANGED, ImportReport, run_import
from hongyixing.people import idnumbers
from hongyixing.people.models import Person
from tests.exchange.builders import simple_xlsx
from tests.personas import World

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


TOWN_A, VILLAGE_A = "高良涧街道", "临河社区"
TOWN_B, VILLAGE_B = "岔河镇", "淮宝居委会"


def csv_bytes(rows: Sequence[Sequence[str]], encoding: str = "utf-8") -> bytes:
    return "\n".join(",".join(row) for row in rows).encode(encoding)


def district_import(kind: str, data: bytes, name: str = "f.csv", *, dry_run: bool = False) -> ImportReport:
    context = import_context(None)
    assert context is not None
    return run_import(kind, data, name, context, dry_run=dry_run)


def statuses(report: ImportReport) -> list[str]:
    return [row.status for row in report.rows]


def counts() -> tuple[int, int, int, int, int]:
    return (
        AdminUnit.objects.count(),
        Grid.objects.count(),
        Household.objects.count(),
        Person.objects.count(),
        User.objects.count(),
    )


UNITS_HEADER = ["所属镇（街道）", "所属村（居）委会", "村民小组", "小区", "楼栋"]


def test_units_with_title_and_footer_dry_run_then_real_then_again(world: World) -> None:
    rows = [
        ["洪泽区村民小组和小区登记表", "", "", "", ""],
        UNITS_HEADER,
        [TOWN_A, VILLAGE_A, "", "丽景花园", "1栋"],
        [TOWN_A, VILLAGE_A, "", "丽景花园", "2栋"],
        [TOWN_A, "临河社区居委会", "一组", "", ""],
        [TOWN_A, VILLAGE_A, "", "新城小区", "1栋"],  # the same building name in another new compound
        ["制表人：张三", "", "", "", ""],
    ]
    data = csv_bytes(rows, "gbk")
    before, logs = counts(), ChangeLog.objects.count()
    dry = district_import("units", data, dry_run=True)
    assert not dry.has_errors, dry.error_lines()
    assert statuses(dry) == [NEW, NEW, NEW, NEW]
    assert counts() == before and ChangeLog.objects.count() == logs
    real = district_import("units", data)
    assert real.applied
    village = AdminUnit.objects.get(name="临河社区居委会")
    compound = AdminUnit.objects.get(parent=village, name="丽景花园")
    assert compound.level == "compound" and len(compound.path) == 15
    assert sorted(compound.children.values_list("name", flat=True)) == ["1栋", "2栋"]
    assert AdminUnit.objects.get(parent=village, name="一组").level == "group"
    assert AdminUnit.objects.get(parent__name="新城小区", name="1栋").level == "building"
    assert counts()[0] == before[0] + 6
    assert ChangeLog.objects.filter(object_type="areas.adminunit", object_id=compound.pk).exists()
    assert DomainEvent.objects.filter(name="unit.created", subject_id=compound.pk).exists()
    again = district_import("units", data)
    assert statuses(again) == [UNCHANGED] * 4
    assert counts()[0] == before[0] + 6


def test_units_unknown_village_and_missing_column_write_nothing(world: World) -> None:
    before = counts()
    report = district_import(
        "units",
        csv_bytes(
            [UNITS_HEADER, [TOWN_A, VILLAGE_A, "", "新小区", ""], [TOWN_A, "没有这个村", "", "小区二", ""]]
        ),
    )
    assert statuses(report) == [NEW, ERROR]
    assert "没有这个村" in report.error_lines()[0] and "Row 3" in report.error_lines()[0]
    assert not report.applied and counts() == before
    refused = district_import("units", csv_bytes([["所属镇（街道）", "小区"], [TOWN_A, "x"]]))
    assert refused.refused and counts() == before


def test_a_town_cannot_import_into_another_town(world: World) -> None:
    context = import_context(world.users["town_a"])
    assert context is not None and context.roots == (world.a.town.path,)
    data = csv_bytes([UNITS_HEADER, [TOWN_B, VILLAGE_B, "", "外镇小区", ""]])
    report = run_import("units", data, "u.csv", context, dry_run=False)
    assert statuses(report) == [ERROR] and TOWN_B in report.error_lines()[0]
    assert not AdminUnit.objects.filter(name="外镇小区").exists()
    assert import_context(world.users["grid_a1"]) is None


GRID_HEADER = ["网格编码", "网格名称", "所属镇（街道）", "所属村（社区）", "网格员", "手机", "覆盖范围"]


def test_grids_cover_units_and_move_their_households(world: World) -> None:
    district_import("units", csv_bytes([UNITS_HEADER, [TOWN_A, VILLAGE_A, "", "丽景花园", "1栋"]]))
    data = csv_bytes(
        [
            GRID_HEADER,
            ["G-A-9", "临河第9网格", TOWN_A, VILLAGE_A, "赵网格", "13912345678", "丽景花园、幸福家园A"],
        ]
    )
    dry = district_import("grids", data, dry_run=True)
    assert statuses(dry) == [NEW] and not Grid.objects.filter(code="G-A-9").exists()
    district_import("grids", data)
    grid = Grid.objects.get(code="G-A-9")
    assert grid.responsible_name == "赵网格"
    assert set(AdminUnit.objects.filter(grid=grid).values_list("name", flat=True)) == {
        "丽景花园",
        "1栋",
        "幸福家园A",
        "3栋",
    }
    world.a.household.refresh_from_db()
    assert world.a.household.grid_id == grid.pk
    assert Person.objects.filter(grid=grid).count() == 2
    grid.refresh_from_db()
    assert grid.person_count == 2 and grid.household_count == 1
    assert statuses(district_import("grids", data)) == [UNCHANGED]


def test_grid_errors_another_village_bad_phone_duplicate_code(world: World) -> None:
    before = counts()
    data = csv_bytes(
        [
            GRID_HEADER,
            ["G1", "一", TOWN_A, VILLAGE_A, "甲", "13912345678", "幸福家园B"],
            ["G2", "二", TOWN_A, VILLAGE_A, "乙", "1391234", ""],
            ["G2", "三", TOWN_A, VILLAGE_A, "丙", "13912345679", ""],
        ]
    )
    report = district_import("grids", data)
    assert statuses(report) == [ERROR, ERROR, ERROR]
    lines = report.error_lines()
    assert "淮宝" in lines[0]  # the compound is in village B
    assert "11" in lines[1]  # a mobile number has 11 digits
    assert "G2" in lines[2]
    assert counts() == before


RESIDENTS_HEADER = [
    "姓名", "性别", "公民身份号码", "出生日期", "民族", "户号", "与户主关系", "户籍地址", "现住址",
    "联系电话", "所属镇（街道）", "所属村（居）委会", "小区", "楼栋", "室", "人员类别",
]  # fmt: skip


def _resident(name: str, number: str, household: str, relation: str = "户主", phone: str = "") -> list[str]:
    return [
        name, "", number, "", "汉", household, relation, "江苏省洪泽区", "临河社区幸福家园A3栋502室", phone,
        TOWN_A, VILLAGE_A, "幸福家园A", "3栋", "502室", "户籍",
    ]  # fmt: skip


def _ids(count: int) -> list[str]:
    return [idnumbers.make("320829", dt.date(1980, 1, 1 + n), 101 + 2 * n) for n in range(count)]


def test_residents_create_households_and_persons_then_same_file_changes_nothing(world: World) -> None:
    a, b, c = _ids(3)
    fifteen = a[:6] + a[8:17]  # the old format of the same person
    full_width = "".join(chr(ord(ch) + 0xFEE0) for ch in b)
    rows = [
        ["实有人口登记表（高良涧街道）"] + [""] * 15,
        RESIDENTS_HEADER,
        _resident("张三", fifteen, "H-0502", phone="13800001111"),
        _resident("李四", full_width, "H-0502", "配偶"),
        _resident("张小", c, "H-0502", "长子"),
        ["制表人：王五", "审核人：赵六"] + [""] * 14,
    ]
    data = simple_xlsx(rows)
    before = counts()
    dry = district_import("residents", data, "r.xlsx", dry_run=True)
    assert statuses(dry) == [NEW, NEW, NEW], dry.error_lines()
    assert counts() == before
    district_import("residents", data, "r.xlsx")
    household = Household.objects.get(number="H-0502")
    members = {p.name: p for p in Person.objects.filter(household=household)}
    assert set(members) == {"张三", "李四", "张小"}
    assert unseal(members["张三"].document_ciphertext) == a  # upgraded to 18 digits
    assert unseal(members["李四"].document_ciphertext) == b
    assert members["李四"].relation == "spouse" and members["张小"].relation == "child"
    assert household.grid_id == world.a.grid.pk and household.person_count == 3
    assert members["张三"].phones.count() == 1
    assert DomainEvent.objects.filter(name="person.created", subject_id=members["张三"].pk).exists()
    assert statuses(district_import("residents", data, "r.xlsx")) == [UNCHANGED] * 3
    assert counts()[3] == before[3] + 3
    # A newer register: one address changed, one member gone.
    newer = [
        RESIDENTS_HEADER,
        _resident("张三", a, "H-0502", phone="13800001111"),
        _resident("李四", b, "H-0502", "配偶"),
    ]
    newer[2][8] = "临河社区幸福家园A3栋601室"
    report = district_import("residents", simple_xlsx(newer), "r2.xlsx")
    assert statuses(report) == [UNCHANGED, CHANGED]
    assert report.rows[1].changes == ["Current address"]
    assert len(report.implied) == 1 and "张小" in report.implied[0].text
    assert report.implied[0].link.endswith("/register/")
    assert Person.objects.get(pk=members["李四"].pk).current_address.endswith("601室")
    assert Person.objects.filter(pk=members["张小"].pk).exists()  # reported, not removed


def test_residents_errors_write_nothing(world: World) -> None:
    a, b, c = _ids(3)
    rows = [
        RESIDENTS_HEADER,
        _resident("甲", a, "H-1"),
        _resident("乙", a, "H-1", "配偶"),  # the same ID twice
        _resident("丙", world.a.plain_ids[0], "H-1", "父"),  # a person of another household
        _resident("丁", b, "H-1", phone="123"),  # a bad phone
        _resident("戊", c[:17], "H-1"),  # a damaged ID
        _resident("己", c, "H-1"),
    ]
    rows[6][11] = "没有这个村"
    before = counts()
    report = district_import("residents", csv_bytes(rows))
    assert statuses(report) == [NEW, ERROR, ERROR, ERROR, ERROR, ERROR]
    lines = report.error_lines()
    assert "row 2" in lines[0]
    assert world.a.household.number in lines[1]
    assert "没有这个村" in lines[4]
    assert counts() == before
    missing = district_import("residents", csv_bytes([["姓名", "户号"], ["甲", "H-1"]]))
    assert missing.refused and counts() == before


def test_residents_longer_than_the_register_holds_are_refused_not_cut(world: World) -> None:
    a, b, c = _ids(3)
    long_name, long_address, long_room = (
        _resident("王" * 61, a, "H-9"),
        _resident("甲", b, "H-9"),
        _resident("乙", c, "H-9"),
    )
    long_address[8] = "洪泽" * 101  # 现住址: 202 characters
    long_room[14] = "5" * 41  # 室
    before = counts()
    report = district_import("residents", csv_bytes([RESIDENTS_HEADER, long_name, long_address, long_room]))
    assert statuses(report) == [ERROR, ERROR, ERROR]
    lines = report.error_lines()
    assert "Name is longer than 60 characters" in lines[0]
    assert "Current address is longer than 200 characters" in lines[1]
    assert "Door / room is longer than 40 characters" in lines[2]
    assert counts() == before


STAFF_HEADER = ["姓名", "手机", "单位", "岗位", "角色", "负责网格/单位"]


def test_staff_users_and_grants(world: World) -> None:
    grid = world.a.grid
    data = csv_bytes(
        [
            STAFF_HEADER,
            ["钱一", "13700000001", TOWN_A, "副主任", "镇街干部", ""],
            ["孙二", "13700000002", VILLAGE_A, "网格员", "网格员", grid.code],
            ["李三", "13700000003", "区卫健委", "科员", "疾控", ""],
        ]
    )
    assert statuses(district_import("staff", data, dry_run=True)) == [NEW, NEW, NEW]
    assert not User.objects.filter(username="13700000001").exists()
    district_import("staff", data)
    officer = User.objects.get(username="13700000001")
    assert officer.display_name == "钱一" and not officer.has_usable_password()
    assert Grant.objects.get(user=officer).unit == world.a.town
    assert Grant.objects.get(user__username="13700000002").grid == grid
    assert Grant.objects.get(user__username="13700000003").unit.path == "320813"
    assert statuses(district_import("staff", data)) == [UNCHANGED] * 3


def test_staff_errors(world: World) -> None:
    before, grants = counts(), Grant.objects.count()
    report = district_import(
        "staff",
        csv_bytes(
            [
                STAFF_HEADER,
                ["甲", "1370000", TOWN_A, "", "镇街干部", ""],
                ["乙", "13700000009", TOWN_A, "", "不存在的角色", ""],
                ["丙", "13700000008", VILLAGE_A, "", "网格员", "没有的网格"],
                ["丁", "13700000008", TOWN_A, "", "镇街干部", ""],
            ]
        ),
    )
    assert statuses(report) == [ERROR] * 4
    assert counts() == before and Grant.objects.count() == grants
    town_b = import_context(world.users["town_b"])
    assert town_b is not None
    other = run_import(
        "staff",
        csv_bytes([STAFF_HEADER, ["戊", "13700000007", TOWN_A, "", "镇街干部", ""]]),
        "s.csv",
        town_b,
        dry_run=False,
    )
    assert statuses(other) == [ERROR] and counts() == before


def test_command_exits_non_zero_with_one_line_per_row(world: World, tmp_path, capsys) -> None:
    bad = tmp_path / "units.csv"
    bad.write_bytes(
        csv_bytes([UNITS_HEADER, [TOWN_A, "无此村", "", "x", ""], [TOWN_A, "无此村二", "", "y", ""]])
    )
    with pytest.raises(CommandError):
        call_command("import_data", "units", str(bad))
    err = capsys.readouterr().err
    assert err.count("Row ") == 2
    good = tmp_path / "good.csv"
    good.write_bytes(csv_bytes([UNITS_HEADER, [TOWN_A, VILLAGE_A, "", "命令小区", ""]]))
    call_command("import_data", "units", str(good), "--dry-run")
    assert not AdminUnit.objects.filter(name="命令小区").exists()
    call_command("import_data", "units", str(good))
    assert AdminUnit.objects.filter(name="命令小区").exists()
