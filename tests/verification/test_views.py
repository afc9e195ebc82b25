from __future__ import annotations

import io
from typing import Any

import python_calamine
import xlsxwriter
from django.core.files.uploadedfile import SimpleUploadedFile

from hongyixing.core.models import PiiAccess
from hongyixing.verification.models import PushBatch, PushRow, VerificationTask
from tests.personas import World


def _csv(world: World, encoding: str = "utf-8-sig") -> bytes:
    lines = [
        "洪泽区协查名单（第3批）",
        "序号,姓名,身份证号码,联系电话,现住址,推送原因",
        f"1,王建国,{world.a.plain_ids[0]},,高良涧街道临河社区幸福家园A3栋501室,行程轨迹",
        f"2,李秀英,,{world.b.plain_phones[1]},,健康码异常",
        "3,张三,,,江苏省南京市鼓楼区中山路1号,行程轨迹",
        "4,,,,,",
        "5,李四,,,洪泽区某某地方,行程轨迹",
        "合计：5人,,,,,",
    ]
    return "\n".join(lines).encode(encoding)


def _upload(client, data: bytes, name: str = "list.csv"):
    return client.post(
        "/verification/",
        {
            "source": 1,
            "category": "itinerary",
            "title": "第3批",
            "file": SimpleUploadedFile(name, data, content_type="text/csv"),
        },
    )


def test_upload_splits_the_list_and_nothing_is_lost(world: World, client_for) -> None:
    client = client_for("district")
    response = _upload(client, _csv(world, "gbk"))
    assert response.status_code == 302
    batch = PushBatch.objects.get(title="第3批")
    statuses = dict(PushRow.objects.filter(batch=batch).values_list("row_number", "status"))
    # A line with only its 序号 is a blank line and the totals line a footer: both skipped, with the reason.
    assert statuses == {3: "tasked", 4: "tasked", 5: "outside", 7: "manual"}
    assert [s["row_number"] for s in batch.skipped] == [6, 8]
    page = client.get(response["Location"]).content.decode()
    assert "高良涧街道" in page and "岔河镇" in page and "李四" in page
    assert world.a.plain_ids[0] not in page and world.b.plain_phones[1] not in page
    # The same file again opens the same batch instead of a second one.
    again = _upload(client, _csv(world, "gbk"))
    assert again["Location"] == response["Location"]
    assert PushBatch.objects.filter(title="第3批").count() == 1


def test_file_level_fault_is_refused_with_nothing_written(world: World, client_for) -> None:
    before = PushBatch.objects.count()
    response = _upload(client_for("district"), "姓名,备注\n王建国,x\n".encode(), "bad.csv")
    assert response.status_code == 200
    assert "errorlist" in response.content.decode() or "error" in response.content.decode()
    assert PushBatch.objects.count() == before


def test_town_officer_cannot_upload(world: World, client_for) -> None:
    response = _upload(client_for("town_a"), _csv(world))
    assert response.status_code == 302 and response["Location"].endswith("/verification/desk/")
    assert not PushBatch.objects.filter(title="第3批").exists()


def test_manual_queue_places_a_row_in_a_grid(world: World, client_for) -> None:
    client = client_for("district")
    _upload(client, _csv(world))
    row = PushRow.objects.get(status="manual")
    response = client.post(
        f"/verification/batches/{row.batch_id}/rows/{row.id}/route/", {"grid": world.b.grid.id}
    )
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.status == "tasked" and row.task.grid == world.b.grid


def test_export_returns_the_senders_layout_with_feedback(world: World, client_for) -> None:
    client = client_for("district")
    batch_url = _upload(client, _csv(world))["Location"]
    batch = PushBatch.objects.get(title="第3批")
    response = client.post(f"{batch_url}export.xlsx", {"reason": "反馈省大数据局"})
    assert response.status_code == 200
    book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(response.content))
    rows = book.get_sheet_by_index(0).to_python()
    assert rows[0][:6] == ["序号", "姓名", "身份证号码", "联系电话", "现住址", "推送原因"]
    assert len(rows) == 1 + 4
    assert rows[1][2] == world.a.plain_ids[0]  # the sender gets its own data back
    access = PiiAccess.objects.get(kind="export", detail__batch=batch.pk)
    assert access.reason == "反馈省大数据局" and access.user_id == world.users["district"].pk


def _export_rows(response: Any) -> list[list[Any]]:
    assert response.status_code == 200
    book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(response.content))
    return book.get_sheet_by_index(0).to_python()


def _all_text(rows: list[list[Any]]) -> str:
    return "\n".join(str(cell) for row in rows for cell in row)


def test_a_plain_export_is_masked_and_not_a_pii_access(world: World, client_for) -> None:
    client = client_for("district")
    batch_url = _upload(client, _csv(world))["Location"]
    rows = _export_rows(client.get(f"{batch_url}export.xlsx"))
    text = _all_text(rows)
    for secret in world.a.plain_ids + world.a.plain_phones + world.b.plain_ids + world.b.plain_phones:
        assert secret not in text
    assert rows[1][2] == world.a.persons[0].document_masked
    assert not PiiAccess.objects.filter(kind="export").exists()


def test_full_export_needs_a_reason(world: World, client_for) -> None:
    client = client_for("district")
    batch_url = _upload(client, _csv(world))["Location"]
    response = client.post(f"{batch_url}export.xlsx", {"reason": " "})
    assert response.status_code == 302
    assert not PiiAccess.objects.filter(kind="export").exists()


def test_a_working_group_without_reveal_gets_masked_values(world: World, client_for) -> None:
    """Finding 3: the working group may export (export right) but not reveal: masked, even on POST."""
    from hongyixing.accounts import services as accounts
    from hongyixing.areas.models import AdminUnit
    from tests.personas import login

    batch_url = _upload(client_for("district"), _csv(world))["Location"]
    user = accounts.do_create_user(None, "wg", password="Persona-pass-2020", display_name="wg")
    accounts.do_grant(None, user, "working_group", unit=AdminUnit.objects.get(path="320813"))
    from django.test import Client

    client = login(Client(), user)
    text = _all_text(_export_rows(client.get(f"{batch_url}export.xlsx")))
    for secret in world.a.plain_ids + world.a.plain_phones:
        assert secret not in text
    refused = client.post(f"{batch_url}export.xlsx", {"reason": "要全量"})
    assert refused.status_code == 302
    assert not PiiAccess.objects.filter(kind="export").exists()


def test_grid_worker_sees_my_tasks_and_submits_once(world: World, client_for) -> None:
    _upload(client_for("district"), _csv(world))
    client = client_for("grid_a1")
    page = client.get("/verification/my/").content.decode()
    task = VerificationTask.objects.get(grid=world.a.grid)
    assert "王建国" in page and "李秀英" not in page
    detail = client.get(f"/verification/tasks/{task.id}/")
    form = detail.context["form"]
    data = {
        "client_id": form.initial["client_id"],
        "contact_method": "visit",
        "disposition": "ALREADY_KNOWN",
        "temperature": "36.5",
        "code_colour": "green",
        "test_status": "none",
    }
    assert client.post(f"/verification/tasks/{task.id}/feedback/", data).status_code == 302
    assert client.post(f"/verification/tasks/{task.id}/feedback/", data).status_code == 302
    assert task.feedback.count() == 1
    task.refresh_from_db()
    assert task.state == "submitted"


def test_xlsx_with_a_damaged_id_is_imported_with_a_warning(world: World, client_for) -> None:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer)
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, ["姓名", "身份证号", "手机号", "现住址"])
    sheet.write_row(1, 0, ["王建国"])
    sheet.write_number(1, 1, float(world.a.plain_ids[0][:17] + "0"))
    sheet.write_row(2, 0, ["李秀英", world.b.plain_ids[1], "", ""])
    book.close()
    client = client_for("district")
    response = client.post(
        "/verification/",
        {
            "source": 2,
            "category": "general",
            "title": "公安推送",
            "file": SimpleUploadedFile("list.xlsx", buffer.getvalue()),
        },
    )
    assert response.status_code == 302
    rows = {r.row_number: r for r in PushRow.objects.filter(batch__title="公安推送")}
    assert rows[2].warnings and rows[2].person == world.a.persons[0]
    assert rows[3].task is not None and rows[3].task.grid == world.b.grid
    assert VerificationTask.objects.filter(batch__title="公安推送").count() == 2


def test_self_registration_enters_the_pipeline_once(world: World, client) -> None:
    page = client.get("/register/")
    assert page.status_code == 200 and "登记" in page.content.decode()
    submission = page.context["form"].initial["submission_id"]
    data = {
        "submission_id": submission,
        "name": "王建国",
        "sex": "M",
        "id_number": world.a.plain_ids[0],
        "phone": "13905170001",
        "address": "临河社区幸福家园A3栋501室",
        "origin": "湖北省武汉市",
        "arrival_time": "2022-01-20T10:00",
        "transport": "rail",
        "code_colour": "green",
    }
    assert client.post("/register/", data).status_code == 200
    assert client.post("/register/", data).status_code == 200
    rows = PushRow.objects.filter(batch__source__code="self-registration")
    assert rows.count() == 1 and rows.get().person == world.a.persons[0]
    bad = client.post("/register/", {**data, "submission_id": "x2", "id_number": "123"})
    assert "证件号码" in bad.content.decode()


def test_batch_progress_drills_down_town_village_grid(world: World, client_for) -> None:
    client = client_for("district")
    batch_url = _upload(client, _csv(world))["Location"]
    towns = client.get(batch_url).context["progress"]
    assert {p.path: p.total for p in towns} == {world.a.town.path: 1, world.b.town.path: 1}
    villages = client.get(batch_url, {"within": world.a.town.path}).context["progress"]
    assert [(p.path, p.total) for p in villages] == [(world.a.village.path, 1)]
    grids = client.get(batch_url, {"within": world.a.village.path}).context["progress"]
    assert [(p.name, p.total) for p in grids] == [(world.a.grid.name, 1)]
    # A town officer drilling into a batch they cannot see gets 404, not figures.
    assert client_for("town_a").get(batch_url, {"within": world.b.town.path}).status_code == 404
