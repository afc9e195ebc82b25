"""Daily figures against a hand-built day, stored days against a recount, filing as immutable
versions, zero reports and missing filings, exports, and scope."""

from __future__ import annotations

import datetime as dt
import io
import uuid

import pytest
from docx import Document
from python_calamine import CalamineWorkbook

from hongyixing.areas.models import AdminUnit
from hongyixing.control import services as control
from hongyixing.control.models import HealthCheck, Measure, Sample
from hongyixing.core.errors import DomainError
from hongyixing.reports import metrics, queries, sections, services
from hongyixing.reports.models import DailyReport, DailyStat
from hongyixing.reports.queries import build_report
from hongyixing.verification.models import VerificationTask
from tests.control.conftest import frozen, local
from tests.personas import DISTRICT, TOWN_A, TOWN_B, VILLAGE_A, World

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 11, 29)


def _activity(world: World) -> dict[str, Measure]:
    """On DAY (window 11-28 16:00 → 11-29 16:00): two home isolations in town A, one centralised in
    town B; three checks in A, one of them abnormal (38.0); a sample taken and a positive result in B."""
    office = world.users["district"]
    VerificationTask.objects.update(created_at=local(2026, 11, 29, 8))  # the cast's push list, this morning
    with frozen(local(2026, 11, 29, 9)):
        a1 = control.do_open_measure(office, world.a.persons[0], control.MeasureSpec(type="home_isolation"))
        a2 = control.do_open_measure(office, world.a.persons[1], control.MeasureSpec(type="home_isolation"))
        b1 = control.do_open_measure(
            office, world.b.persons[0], control.MeasureSpec(type="central_isolation")
        )
        checks = [
            control.CheckInput(client_id=str(uuid.uuid4()), measure_id=a1.pk, temperature="36.5"),
            control.CheckInput(client_id=str(uuid.uuid4()), measure_id=a2.pk, temperature="36.7"),
        ]
        control.do_record_checks(office, checks)
        control.do_record_checks(
            office,
            [control.CheckInput(client_id=str(uuid.uuid4()), measure_id=a1.pk, temperature="38.0", slot="e")],
        )
        sample = b1.samples.order_by("due_date").first()
        assert sample is not None
        control.do_record_sampling(office, sample, "B-1", "护士")
        control.do_record_result(world.users["cdc"], sample, "positive")
    with frozen(local(2026, 11, 29, 17)):  # after the cut-off: counts for the 30th
        control.do_open_measure(
            office,
            AdminUnit.objects.get(path=VILLAGE_A) and world.b.persons[1],
            control.MeasureSpec(type="home_monitoring"),
        )
    return {"a1": a1, "a2": a2, "b1": b1}


def test_figures_match_the_hand_built_day(world: World) -> None:
    _activity(world)
    with frozen(local(2026, 11, 29, 17)):
        figures = metrics.compute(DAY)
    district = metrics.total(figures)
    assert sections.value(district, "sum:opened") == 3  # the fourth opened after the cut-off
    assert district["opened:home_isolation"] == 2 and district["opened:central_isolation"] == 1
    assert sections.active_total(district) == 3
    assert district["checks"] == 3 and district["abnormal"] == 1
    assert district["fever_transfers"] == 1
    assert district["sampled"] == 1 and district["positive"] == 1 and "positive_imported" not in district
    assert district["tasks_received"] == 2
    town_a = metrics.total(figures, TOWN_A)
    town_b = metrics.total(figures, TOWN_B)
    assert (town_a["checks"], town_a.get("positive", 0)) == (3, 0)
    assert (town_b.get("checks", 0), town_b["positive"]) == (0, 1)
    assert metrics.total(figures, VILLAGE_A)["abnormal"] == 1


def test_a_closed_day_equals_a_recount_from_raw_rows(world: World) -> None:
    _activity(world)
    with frozen(local(2026, 11, 30, 1)):
        stored = services.do_close_day(DAY)
        assert stored > 0
        assert services.do_close_day(DAY) == 0  # idempotent

    def stat(metric: str) -> int:
        return sum(DailyStat.objects.filter(day=DAY, metric=metric).values_list("value", flat=True))

    start, end = metrics.window(DAY)
    recorded = HealthCheck.objects.filter(recorded_at__gt=start, recorded_at__lte=end)
    assert stat("checks") == recorded.count() == 3
    assert stat("abnormal") == recorded.filter(abnormal=True).count() == 1
    opened = Measure.objects.filter(opened_at__gt=start, opened_at__lte=end)
    for kind in ("home_isolation", "central_isolation", "home_monitoring"):
        assert stat(f"opened:{kind}") == opened.filter(type=kind).count()
    assert (
        stat("positive")
        == Sample.objects.filter(status="positive", result_at__gt=start, result_at__lte=end).count()
    )
    assert (
        stat("tasks_received")
        == VerificationTask.objects.filter(created_at__gt=start, created_at__lte=end).count()
    )
    # The stored day reads back exactly as it was counted.
    with frozen(local(2026, 11, 30, 1)):
        assert queries.figures_for(DAY) == {
            v: {k: n for k, n in m.items() if n} for v, m in metrics.compute(DAY).items()
        }


def test_closing_a_day_before_its_cut_off_is_refused(world: World) -> None:
    with frozen(local(2026, 11, 29, 15)), pytest.raises(DomainError):
        services.do_close_day(DAY)


def test_a_filed_report_is_an_immutable_snapshot_and_corrections_are_versions(world: World) -> None:
    _activity(world)
    town = AdminUnit.objects.get(path=TOWN_A)
    officer = world.users["town_a"]
    with frozen(local(2026, 11, 29, 15)), pytest.raises(DomainError) as early:
        services.do_sign_report(officer, town, DAY, compiled_by="张三")
    assert early.value.code == "report.before_cutoff"
    with frozen(local(2026, 11, 29, 16, 30)):
        first = services.do_sign_report(officer, town, DAY, compiled_by="张三", problems="人手紧张")
        assert first.figures["totals"]["checks"] == 3 and not first.zero_report
        # The province withdraws town A's push list: it no longer counts in the window.
        VerificationTask.objects.update(created_at=local(2026, 11, 1))
        with pytest.raises(DomainError) as again:
            services.do_sign_report(officer, town, DAY, compiled_by="张三")
        assert again.value.code == "report.needs_reason"
        second = services.do_sign_report(
            officer, town, DAY, compiled_by="张三", correction_reason="省平台撤回名单"
        )
    first.refresh_from_db()
    assert (first.state, first.figures["totals"]["tasks_received"]) == ("superseded", 1)
    assert (second.version, second.state, second.figures["totals"].get("tasks_received", 0)) == (
        2,
        "signed",
        0,
    )
    assert second.figures["totals"]["checks"] == first.figures["totals"]["checks"] == 3


def test_zero_reports_and_missing_filings(world: World) -> None:
    town_b = AdminUnit.objects.get(path=TOWN_B)
    with frozen(local(2026, 11, 29, 17)):
        # The cast's push list put one task in each town earlier "today": move it out of the window.
        VerificationTask.objects.update(created_at=local(2026, 11, 1))
        filed = services.do_sign_report(world.users["town_b"], town_b, DAY, compiled_by="李四")
        assert filed.zero_report
        report = build_report(world.users["district"], AdminUnit.objects.get(path=DISTRICT), DAY)
    missing = {u.path for u in report.missing}
    assert TOWN_B not in missing and TOWN_A in missing and len(missing) == 9


def test_town_officers_file_only_their_own_town(world: World) -> None:
    from django.http import Http404

    with frozen(local(2026, 11, 29, 17)), pytest.raises(Http404):
        services.do_sign_report(
            world.users["town_b"], AdminUnit.objects.get(path=TOWN_A), DAY, compiled_by="x"
        )
    with frozen(local(2026, 11, 29, 17)), pytest.raises(Http404):  # CDC staff read, they do not file
        services.do_sign_report(world.users["cdc"], AdminUnit.objects.get(path=TOWN_A), DAY, compiled_by="x")


def test_report_pages_exports_and_scope(world: World, client_for) -> None:
    _activity(world)
    with frozen(local(2026, 11, 29, 17)):
        town_a = client_for("town_a")
        page = town_a.get(f"/dashboard/daily/{TOWN_A}/", {"day": DAY.isoformat()})
        assert page.status_code == 200
        assert (
            client_for("town_b").get(f"/dashboard/daily/{TOWN_A}/", {"day": DAY.isoformat()}).status_code
            == 404
        )
        docx = client_for("district").get(
            f"/dashboard/daily/{DISTRICT}/", {"day": DAY.isoformat(), "format": "docx"}
        )
        xlsx = client_for("district").get(
            f"/dashboard/daily/{DISTRICT}/", {"day": DAY.isoformat(), "format": "xlsx"}
        )
        posted = town_a.post(
            f"/dashboard/daily/{TOWN_A}/file/", {"day": DAY.isoformat(), "compiled_by": "张三"}
        )
        assert posted.status_code == 302
    text = "\n".join(p.text for p in Document(io.BytesIO(docx.content)).paragraphs)
    # A positive test and a 38.0 °C check are not cases: 确诊 and 疑似 come from case records only.
    flat = text.replace(" ", "")
    assert "新冠肺炎疫情防控工作日报" in text and "确诊0例" in flat and "疑似0例" in flat
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(xlsx.content)).get_sheet_by_index(0).to_python()
    assert sheet[0][:3] == ["栏目", "项目", "洪泽区"]
    abnormal = next(row for row in sheet if row[1] == "异常体温")
    assert str(abnormal[2]) in ("1", "1.0")
    assert DailyReport.objects.get(unit__path=TOWN_A).compiled_by == "张三"


def test_dashboard_for_the_district_and_nothing_for_a_grid_worker(world: World, client_for) -> None:
    _activity(world)
    with frozen(local(2026, 11, 29, 12)):
        page = client_for("district").get("/dashboard/").content.decode()
        assert "高良涧街道" in page and "<polyline" in page
        grid = client_for("grid_a1").get("/dashboard/")
    assert grid.status_code == 200 and "<polyline" not in grid.content.decode()


def test_the_dashboards_unclosed_transfers_are_the_transfers_pages_open_list(
    world: World, client_for
) -> None:
    """未闭环转运 counts the orders not yet closed: exactly what the transfers page lists as open,
    whether they wait for pick-up, are on the road or were handed over and wait for disinfection."""
    import re

    from hongyixing.control.models import Transfer

    office = world.users["district"]
    district = client_for("district")
    with frozen(local(2026, 11, 29, 9)):
        measures = [
            control.do_open_measure(office, p, control.MeasureSpec(type="central_isolation"))
            for p in (*world.a.persons, *world.b.persons)
        ]
        urls = []
        for measure in measures:
            created = district.post(
                "/control/transfers/new/",
                {"measure": [measure.pk], "reason": "to_site", "to_place": "洪泽湖宾馆", "plate": "苏H1"},
            )
            urls.append(created["Location"])
        picked = {"action": "pick_up", "signed_by": "李", "driver": "王"}
        district.post(f"{urls[1]}action/", {**picked, f"t{measures[1].person_id}": "36.6"})
        district.post(f"{urls[2]}action/", {**picked, f"t{measures[2].person_id}": "36.6"})
        district.post(f"{urls[2]}action/", {"action": "hand_over", "handed_by": "李", "received_by": "前台"})
        district.post(f"{urls[3]}action/", {**picked, f"t{measures[3].person_id}": "36.6"})
        district.post(f"{urls[3]}action/", {"action": "hand_over", "handed_by": "李", "received_by": "前台"})
        district.post(f"{urls[3]}action/", {"action": "close", "disinfected_by": "消杀员"})
    assert Transfer.objects.exclude(state="closed").count() == 3
    with frozen(local(2026, 11, 29, 12)):
        office_now = client_for("district")  # a fresh session: the morning's has timed out
        listing = office_now.get("/control/transfers/").content.decode()
        listed = set(re.findall(r'href="/control/transfers/(\d+)/"', listing))
        page = office_now.get("/dashboard/").content.decode()
    card = re.search(r"<strong>(\d+)</strong>未闭环转运", page)
    assert card is not None, "the dashboard shows 未闭环转运"
    assert int(card.group(1)) == 3
    assert len(listed) == int(card.group(1))
