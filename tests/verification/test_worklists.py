"""The desks and My tasks as work lists: totals, paging, filters, sort, export, bulk steps."""

from __future__ import annotations

import io

import pytest
import python_calamine

from hongyixing.core.models import PiiAccess
from hongyixing.verification import services
from hongyixing.verification.choices import TaskState
from hongyixing.verification.models import PushSource, VerificationTask
from tests.personas import World

ADDRESS = "高良涧街道临河社区幸福家园A3栋501室"


@pytest.fixture
def many(world: World) -> list[VerificationTask]:
    rows = [
        services.PlainRow(
            row_number=n + 2, values={"name": f"测试{n:02d}", "address": ADDRESS}, raw=[f"测试{n:02d}"]
        )
        for n in range(60)
    ]
    result = services.do_intake(
        world.users["district"],
        PushSource.objects.get(code="province-big-data"),
        rows,
        title="大名单",
        category="general",
        headers=["姓名"],
    )
    return list(result.batch.tasks.order_by("id"))


def test_desk_pages_with_totals(world: World, many, client_for) -> None:
    client = client_for("town_a")
    first = client.get("/verification/desk/").content.decode()
    assert "第 1–50 条，共 60 条" in first
    second = client.get("/verification/desk/?page=2").content.decode()
    assert "第 51–60 条，共 60 条" in second
    assert client.get("/verification/desk/?page=999").status_code == 200


def test_filters_and_sort(world: World, many, client_for) -> None:
    client = client_for("town_a")
    services.check_transition(world.users["town_a"], many[0], "accept")
    page = client.get("/verification/desk/?state=accepted").context["list"]
    assert [t.pk for t in page.rows] == [many[0].pk] and page.total == 1
    by_name = client.get("/verification/desk/?sort=name&size=20").context["list"]
    assert [t.name for t in by_name.rows] == [f"测试{n:02d}" for n in range(20)]
    assert (
        client.get(f"/verification/desk/?grid={world.b.grid.pk}").context["list"].total == 60
    )  # not offered
    assert client.get("/verification/desk/?overdue=1").context["list"].total == 0


def test_export_is_the_filtered_list_masked_and_logged(world: World, many, client_for) -> None:
    client = client_for("town_a")
    response = client.get("/verification/desk/?export=xlsx&sort=name")
    assert response.status_code == 200
    sheet = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(response.content)).get_sheet_by_index(0)
    rows = sheet.to_python()
    assert len(rows) == 61 and rows[1][0] == "测试00"
    access = PiiAccess.objects.get(kind="export", field="verification-tasks")
    assert access.user == world.users["town_a"] and access.detail["rows"] == 60
    assert client_for("grid_a1").get("/verification/desk/?export=xlsx").status_code == 403


def test_bulk_accept_only_touches_tasks_in_scope(world: World, many, client_for) -> None:
    ids = [t.pk for t in many[:5]]
    answer = client_for("town_b").post("/verification/desk/bulk/", {"action": "accept", "ids": ids})
    assert answer.status_code == 302
    assert not VerificationTask.objects.filter(pk__in=ids, state=TaskState.ACCEPTED).exists()
    client_for("town_a").post("/verification/desk/bulk/", {"action": "accept", "ids": ids, "back": "?page=1"})
    assert VerificationTask.objects.filter(pk__in=ids, state=TaskState.ACCEPTED).count() == 5


def test_my_tasks_pages_too(world: World, many, client_for) -> None:
    page = client_for("grid_a1").get("/verification/my/")
    assert page.status_code == 200 and page.context["list"].total == 60
