"""Another district from configuration alone: 淮安区 (320803) loads its own divisions, units, grids,
residents and staff through the importer, then runs intake → task → feedback → measure → report."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from hongyixing.accounts.models import User
from hongyixing.areas import addressparse, district
from hongyixing.areas.models import AdminUnit, Grid
from hongyixing.areas.services import do_load_divisions
from hongyixing.control.models import Measure
from hongyixing.exchange.importer import ImportContext, run_import
from hongyixing.people import idnumbers
from hongyixing.people.models import Person
from hongyixing.reports import metrics
from hongyixing.verification import services as verification
from hongyixing.verification.choices import TaskState
from hongyixing.verification.models import PushSource, VerificationTask
from hongyixing.verification.services import common as verification_common
from tests.control.conftest import frozen, local

DIVISIONS = Path(__file__).parent / "data" / "huaian-divisions.csv"
DAY = dt.date(2026, 11, 29)


@pytest.fixture
def huaian(settings, monkeypatch):
    settings.HONGYIXING_DISTRICT_CODE = "320803"
    settings.HONGYIXING_DIVISIONS_FILE = str(DIVISIONS)
    # What a process started with this configuration reads once at start-up.
    # The writers read it from services.common; the faces read the package's copy.
    monkeypatch.setattr(verification_common, "DISTRICT_PATH", district.district_path())
    monkeypatch.setattr(verification, "DISTRICT_PATH", district.district_path())
    for cached in (addressparse._prefix_pattern, addressparse.division_lexicon, district._district_of_file):
        cached.cache_clear()
    yield
    for cached in (addressparse._prefix_pattern, addressparse.division_lexicon, district._district_of_file):
        cached.cache_clear()


def _csv(rows: list[list[str]]) -> bytes:
    return "\n".join(",".join(row) for row in rows).encode("utf-8")


def _load(kind: str, rows: list[list[str]]) -> None:
    report = run_import(
        kind, _csv(rows), f"{kind}.csv", ImportContext(None, (), everything=True), dry_run=False
    )
    assert report.applied, report.error_lines()


@pytest.mark.django_db
def test_huaian_district_runs_from_configuration(huaian) -> None:
    assert district.district_code() == "320803"
    do_load_divisions(None)
    assert district.district_unit().name == "淮安区"
    assert not AdminUnit.objects.filter(path__startswith="320813", level="town").exists()
    _load(
        "units",
        [["所属镇（街道）", "所属村（居）委会", "小区", "楼栋"], ["车桥镇", "车桥社区", "运河花园", "1栋"]],
    )
    _load(
        "grids",
        [["网格编码", "网格名称", "所属镇（街道）", "所属村（社区）", "网格员", "覆盖范围"],
         ["HA-01", "车桥社区第1网格", "车桥镇", "车桥社区", "周网格", "运河花园"]],
    )  # fmt: skip
    number = idnumbers.make("320803", dt.date(1975, 5, 5), 11)
    _load(
        "residents",
        [["姓名", "公民身份号码", "户号", "与户主关系", "现住址", "所属镇（街道）", "所属村（居）委会",
          "小区", "楼栋"],
         ["周淮安", number, "HA-H1", "户主", "车桥镇运河花园1栋101室", "车桥镇", "车桥社区", "运河花园",
          "1栋"]],
    )  # fmt: skip
    _load(
        "staff",
        [["姓名", "手机", "单位", "角色", "负责网格/单位"],
         ["吴主任", "13900000001", "淮安区", "区指挥部", ""],
         ["周网格", "13900000002", "车桥社区", "网格员", "HA-01"]],
    )  # fmt: skip
    office, worker = User.objects.get(username="13900000001"), User.objects.get(username="13900000002")
    grid = Grid.objects.get(code="HA-01")
    person = Person.objects.get(name="周淮安")
    assert person.grid == grid and person.unit_path.startswith("320803100001")

    with frozen(local(2026, 11, 29, 8)):
        result = verification.do_intake(
            office,
            PushSource.objects.get(code="province-big-data"),
            [verification.PlainRow(row_number=2, values={"name": "周淮安", "id_number": number}, raw=[])],
            title="淮安区协查名单",
            category="general",
            headers=["姓名", "身份证号"],
        )
    task = VerificationTask.objects.get(batch=result.batch)
    assert task.grid == grid and task.state == TaskState.DISPATCHED
    assert task.unit_path.startswith("320803")
    with frozen(local(2026, 11, 29, 9)):
        verification.submit_feedback(
            worker,
            task,
            verification.FeedbackInput(
                client_id="ha-1", contact_method="visit", disposition="HOME_ISOLATION"
            ),
        )
    task.refresh_from_db()
    measure = Measure.objects.get(person=person)  # the feedback's disposition opened it
    assert task.state == TaskState.SUBMITTED and measure.unit_path.startswith("320803")
    with frozen(local(2026, 11, 29, 17)):
        figures = metrics.compute(DAY)
    totals = metrics.total(figures, "320803")
    assert totals["tasks_received"] == 1 and totals["opened:home_isolation"] == 1
    assert metrics.total(figures, "320813") == {}
