"""Pages and downloads say things in words: no codes, no clashing headers, Chinese file names."""

from __future__ import annotations

import io
from pathlib import Path
from urllib.parse import quote

import pytest
from docx import Document
from python_calamine import CalamineWorkbook

from hongyixing.control import services as control
from hongyixing.core.downloads import content_disposition
from hongyixing.reports.queries import reporting_day
from hongyixing.verification import services as verification
from hongyixing.verification.models import VerificationTask
from tests.personas import DISTRICT, World

pytestmark = pytest.mark.django_db


def test_transfer_numbers_and_test_days_have_their_own_headers(world: World, client_for) -> None:
    measure = control.do_open_measure(
        world.users["district"], world.a.persons[0], control.MeasureSpec(type="central_isolation")
    )
    office = client_for("district")
    transfers = office.get("/control/transfers/").content.decode()
    assert "<th>转运单号</th>" in transfers and "<th>排序</th>" not in transfers
    page = office.get(f"/control/measures/{measure.pk}/").content.decode()
    tests_table = page.split("<h2>检测</h2>", 1)[-1] if "<h2>检测</h2>" in page else page
    assert "<th>第几天</th>" in tests_table


def test_a_requested_measure_reads_as_its_name(world: World, client_for) -> None:
    task = VerificationTask.objects.filter(grid=world.a.grid).first()
    assert task is not None
    data = verification.FeedbackInput(
        client_id="w-1", contact_method="visit", disposition="HOME_ISOLATION", temperature="36.6"
    )
    verification.submit_feedback(world.users["grid_a1"], task, data)
    page = client_for("district").get(f"/verification/tasks/{task.pk}/").content.decode()
    assert "需采取措施：居家隔离" in page and "home_isolation" not in page


def test_daily_report_names_push_sources_and_downloads_in_chinese(world: World, client_for) -> None:
    # The report day whose window (previous 16:00 → 16:00) holds the world's push list, whatever the hour.
    day = reporting_day().isoformat()
    office = client_for("district")
    page = office.get(f"/dashboard/daily/{DISTRICT}/", {"day": day}).content.decode()
    assert "province-big-data" not in page
    docx = office.get(f"/dashboard/daily/{DISTRICT}/", {"day": day, "format": "docx"})
    xlsx = office.get(f"/dashboard/daily/{DISTRICT}/", {"day": day, "format": "xlsx"})
    text = "\n".join(p.text for p in Document(io.BytesIO(docx.content)).paragraphs)
    cells = CalamineWorkbook.from_filelike(io.BytesIO(xlsx.content)).get_sheet_by_index(0).to_python()
    flat = " ".join(str(c) for row in cells for c in row)
    assert "协查来源" in text and "province-big-data" not in text and "province-big-data" not in flat
    disposition = docx["Content-Disposition"]
    assert "filename*=UTF-8''" in disposition and quote("洪泽区") in disposition
    assert disposition.split(";")[1].strip().startswith('filename="daily-report-')


def test_content_disposition_has_an_ascii_fallback() -> None:
    header = content_disposition('日报 "甲".docx', 'report-"1".docx')
    assert header.startswith("attachment; filename=\"report-1.docx\"; filename*=UTF-8''")
    assert header.encode("ascii")  # a header is ASCII whatever the name


def test_the_screening_form_explains_kinds_in_words(world: World, client_for) -> None:
    page = client_for("town_a").get("/command/screening/").content.decode()
    assert "检查清单" in page and "yesno" not in page


def test_a_checkbox_sits_on_the_line_of_its_label() -> None:
    css = (Path(__file__).parents[2] / "src/hongyixing/static/hongyixing/app.css").read_text()
    assert 'input[type="checkbox"], input[type="radio"] { width: auto;' in css
