"""The demo district written as the files a real district brings: units, grids, register, staff.

What ``seed_demo`` builds for a seed, in the layouts of ``hongyixing import`` (units.xlsx,
grids.xlsx, residents.csv in GBK with a title row and a 制表人 footer, staff.xlsx), so that a person
can try the import page with files that look like theirs. ``seed_demo`` loads the same tables
through the same importer (``demo.generator``).
"""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Iterable, Iterator
from pathlib import Path

from hongyixing.demo.plan import CompoundPlan, DistrictPlan, LeafPlan, VillagePlan
from hongyixing.demo.population import HouseholdDraft, generate, mobile
from hongyixing.exchange.writers import write_xlsx

RELATION_WORDS = {
    "head": "户主", "spouse": "配偶", "child": "子女", "parent": "父母", "grandchild": "孙子女",
    "sibling": "兄弟姐妹", "other": "其他",
}  # fmt: skip
RESIDENCY_WORDS = {"registered": "户籍", "permanent": "常住", "floating": "流动", "foreign": "境外"}
SEX_WORDS = {"M": "男", "F": "女"}
RESIDENT_HEADERS = [
    "姓名", "性别", "公民身份号码", "出生日期", "户号", "与户主关系", "户籍地址", "现住址", "联系电话",
    "所属镇（街道）", "所属村（居）委会", "村民小组", "小区", "楼栋", "室", "户地址", "人员类别",
]  # fmt: skip


UNIT_HEADERS = ["所属镇（街道）", "所属村（居）委会", "村民小组", "小区", "楼栋"]
GRID_HEADERS = ["网格编码", "网格名称", "所属镇（街道）", "所属村（社区）", "网格员", "手机", "覆盖范围"]
STAFF_HEADERS = ["姓名", "手机", "单位", "岗位", "角色", "负责网格/单位"]
Rows = list[list[str]]


def _leaves(village: VillagePlan) -> list[tuple[CompoundPlan | None, LeafPlan]]:
    return [(None, g) for g in village.groups] + [(c, b) for c in village.compounds for b in c.buildings]


def unit_rows(plan: DistrictPlan) -> Rows:
    """units.xlsx: one row per group, and per building under its compound, in the plan's order (the
    import numbers them in the order of the file: the paths the plan gives them)."""
    rows = []
    for village in plan.villages:
        for compound, leaf in _leaves(village):
            if compound is None:
                rows.append([village.town_name, village.name, leaf.name, "", ""])
            else:
                rows.append([village.town_name, village.name, "", compound.name, leaf.name])
    return rows


def grid_rows(plan: DistrictPlan, seed: int) -> Rows:
    """grids.xlsx: a compound is covered by the grid of its first building (its other buildings named
    on their own win over it, as the grids import does)."""
    rng = random.Random(f"demo-files:{seed}")
    rows = []
    for village in plan.villages:
        for number, worker in enumerate(village.grid_workers, start=1):
            covers = []
            for compound, leaf in _leaves(village):
                if leaf.grid != number:
                    continue
                if compound is not None and leaf is compound.buildings[0]:
                    covers.append(compound.name)
                covers.append((compound.name if compound else "") + leaf.name)
            rows.append(
                [
                    f"{village.path}-{number:02d}",
                    f"{village.canonical}第{number}网格",
                    village.town_name,
                    village.name,
                    worker,
                    mobile(rng),
                    "、".join(covers),
                ]
            )
    return rows


def staff_rows(plan: DistrictPlan, grids: Rows) -> Rows:
    rows = []
    for path, (name, post) in sorted(plan.responsibles.items()):
        role = "区指挥部" if len(path) == 6 else "镇街干部" if len(path) == 9 else "村（社区）干部"
        unit = plan.town_names.get(path) or next((v.name for v in plan.villages if v.path == path), "洪泽区")
        rows.append([name, f"139{int(path[-8:]) % 10**8:08d}", unit, post, role, ""])
    for grid in grids:
        rows.append([grid[4], grid[5], grid[3], "网格员", "网格员", grid[0]])
    return rows


def resident_rows(plan: DistrictPlan, households: Iterable[HouseholdDraft]) -> Iterator[Rows]:
    """The register, one household's rows at a time (several phones of a person written "、"-joined)."""
    villages = {v.path: v for v in plan.villages}
    for draft in households:
        village = villages[draft.leaf[0]]
        place = draft.place
        group = next((g.name for g in village.groups if g.number == place.group), "") if place.group else ""
        compound = next((c for c in village.compounds if c.name == place.compound), None)
        building = (
            next((b.name for b in compound.buildings if b.number == place.building), "") if compound else ""
        )
        yield [
            [
                member.name,
                SEX_WORDS.get(member.sex, ""),
                member.document_number,
                member.birth_date.isoformat() if member.birth_date else "",
                draft.number,
                RELATION_WORDS.get(member.relation, "其他"),
                member.domicile_address,
                member.current_address,
                "、".join(member.phones),
                village.town_name,
                village.name,
                group,
                compound.name if compound else "",
                building,
                place.door,
                place.canonical,
                RESIDENCY_WORDS.get(member.residency, "户籍"),
            ]
            for member in draft.members
        ]


def csv_bytes(headers: list[str], rows: Iterable[list[str]]) -> bytes:
    """A plain UTF-8 csv (what ``seed_demo`` hands the importer, in memory)."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows(rows)
    return text.getvalue().encode("utf-8")


def write_demo_files(folder: Path, *, seed: int = 2020, persons: int = 2_000) -> dict[str, int]:
    """Write units.xlsx, grids.xlsx, residents.csv (GBK) and staff.xlsx; returns rows per file."""
    folder.mkdir(parents=True, exist_ok=True)
    plan, households = generate(seed, persons)
    units = unit_rows(plan)
    write_xlsx(folder / "units.xlsx", UNIT_HEADERS, units, sheet_name="单位")
    grids = grid_rows(plan, seed)
    write_xlsx(folder / "grids.xlsx", GRID_HEADERS, grids, sheet_name="网格")
    staff = staff_rows(plan, grids)
    write_xlsx(folder / "staff.xlsx", STAFF_HEADERS, staff, sheet_name="工作人员")
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(["洪泽区实有人口登记表"] + [""] * (len(RESIDENT_HEADERS) - 1))
    writer.writerow(RESIDENT_HEADERS)
    count = 0
    for rows in resident_rows(plan, households):
        writer.writerows(rows)
        count += len(rows)
    writer.writerow(["制表人：洪泽区指挥部办公室"] + [""] * (len(RESIDENT_HEADERS) - 1))
    (folder / "residents.csv").write_bytes(text.getvalue().encode("gbk", errors="replace"))
    return {"units": len(units), "grids": len(grids), "residents": count, "staff": len(staff)}
