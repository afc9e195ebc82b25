"""The demo district written as the files a real district brings: units, grids, register, staff.

What ``seed_demo`` builds for a seed, in the layouts of ``hongyixing import`` (units.xlsx,
grids.xlsx, residents.csv in GBK with a title row and a 制表人 footer, staff.xlsx), so that a person
can try the import page with files that look like theirs.
"""

from __future__ import annotations

import csv
import io
import random
from pathlib import Path

from hongyixing.demo.plan import CompoundPlan, DistrictPlan, LeafPlan, VillagePlan
from hongyixing.demo.population import generate, mobile
from hongyixing.exchange.writers import write_xlsx

RELATION_WORDS = {
    "head": "户主", "spouse": "配偶", "child": "子女", "parent": "父母", "grandchild": "孙子女",
    "sibling": "兄弟姐妹", "other": "其他",
}  # fmt: skip
RESIDENCY_WORDS = {"registered": "户籍", "permanent": "常住", "floating": "流动", "foreign": "境外"}
SEX_WORDS = {"M": "男", "F": "女"}
RESIDENT_HEADERS = [
    "姓名", "性别", "公民身份号码", "出生日期", "户号", "与户主关系", "户籍地址", "现住址", "联系电话",
    "所属镇（街道）", "所属村（居）委会", "村民小组", "小区", "楼栋", "室", "人员类别",
]  # fmt: skip


def _leaves(village: VillagePlan) -> list[tuple[CompoundPlan | None, LeafPlan]]:
    return [(None, g) for g in village.groups] + [(c, b) for c in village.compounds for b in c.buildings]


def _unit_rows(plan: DistrictPlan) -> list[list[str]]:
    rows = []
    for village in plan.villages:
        for compound, leaf in _leaves(village):
            if compound is None:
                rows.append([village.town_name, village.name, leaf.name, "", ""])
            else:
                rows.append([village.town_name, village.name, "", compound.name, leaf.name])
    return rows


def _grid_rows(plan: DistrictPlan, rng: random.Random) -> list[list[str]]:
    rows = []
    for village in plan.villages:
        for number, worker in enumerate(village.grid_workers, start=1):
            covers = [
                (compound.name if compound else "") + leaf.name
                for compound, leaf in _leaves(village)
                if leaf.grid == number
            ]
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


def _staff_rows(plan: DistrictPlan, grids: list[list[str]]) -> list[list[str]]:
    rows = []
    for path, (name, post) in sorted(plan.responsibles.items()):
        role = "区指挥部" if len(path) == 6 else "镇街干部" if len(path) == 9 else "村（社区）干部"
        unit = plan.town_names.get(path) or next((v.name for v in plan.villages if v.path == path), "洪泽区")
        rows.append([name, f"139{int(path[-8:]) % 10**8:08d}", unit, post, role, ""])
    for index, grid in enumerate(grids):
        rows.append([grid[4], grid[5], grid[3], "网格员", "网格员", grid[0]])
        del index
    return rows


def write_demo_files(folder: Path, *, seed: int = 2020, persons: int = 2_000) -> dict[str, int]:
    """Write units.xlsx, grids.xlsx, residents.csv (GBK) and staff.xlsx; returns rows per file."""
    folder.mkdir(parents=True, exist_ok=True)
    plan, households = generate(seed, persons)
    rng = random.Random(f"demo-files:{seed}")
    units = _unit_rows(plan)
    write_xlsx(
        folder / "units.xlsx",
        ["所属镇（街道）", "所属村（居）委会", "村民小组", "小区", "楼栋"],
        units,
        sheet_name="单位",
    )
    grids = _grid_rows(plan, rng)
    write_xlsx(
        folder / "grids.xlsx",
        ["网格编码", "网格名称", "所属镇（街道）", "所属村（社区）", "网格员", "手机", "覆盖范围"],
        grids,
        sheet_name="网格",
    )
    staff = _staff_rows(plan, grids)
    write_xlsx(
        folder / "staff.xlsx",
        ["姓名", "手机", "单位", "岗位", "角色", "负责网格/单位"],
        staff,
        sheet_name="工作人员",
    )
    villages = {v.path: v for v in plan.villages}
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(["洪泽区实有人口登记表"] + [""] * (len(RESIDENT_HEADERS) - 1))
    writer.writerow(RESIDENT_HEADERS)
    count = 0
    for draft in households:
        village = villages[draft.leaf[0]]
        place = draft.place
        group = next((g.name for g in village.groups if g.number == place.group), "") if place.group else ""
        compound = next((c for c in village.compounds if c.name == place.compound), None)
        building = (
            next((b.name for b in compound.buildings if b.number == place.building), "") if compound else ""
        )
        room = f"{place.entrance}单元{place.room}室" if compound else f"{place.house}号"
        for member in draft.members:
            count += 1
            writer.writerow(
                [
                    member.name,
                    SEX_WORDS.get(member.sex, ""),
                    member.document_number,
                    member.birth_date.isoformat() if member.birth_date else "",
                    draft.number,
                    RELATION_WORDS.get(member.relation, "其他"),
                    member.domicile_address,
                    member.current_address,
                    member.phones[0] if member.phones else "",
                    village.town_name,
                    village.name,
                    group,
                    compound.name if compound else "",
                    building,
                    room,
                    RESIDENCY_WORDS.get(member.residency, "户籍"),
                ]
            )
    writer.writerow(["制表人：洪泽区指挥部办公室"] + [""] * (len(RESIDENT_HEADERS) - 1))
    (folder / "residents.csv").write_bytes(text.getvalue().encode("gbk", errors="replace"))
    return {"units": len(units), "grids": len(grids), "residents": count, "staff": len(staff)}
