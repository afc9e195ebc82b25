"""The desks and My tasks as work lists: totals, paging, filters, sort, export, bulk steps."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
import python_calamine
from django.utils import timezone

from hongyixing.core.models import PiiAccess
from hongyixing.verification import services
from hongyixing.verification.choices import CLOCK_STATES, TaskState
from hongyixing.verification.models import PushSource, VerificationTask
from tests.personas import DISTRICT, World

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


def test_overdue_by_name_is_every_overdue_open_task_in_scope(world: World, many, client_for) -> None:
    """ "Overdue" sorted by name lists exactly the tasks on the clock past their deadline, in scope, by
    (name, id) — the same rows, order and total as a plain recount, across pages."""
    other = services.do_intake(
        world.users["district"],
        PushSource.objects.get(code="province-big-data"),
        [
            services.PlainRow(
                row_number=n + 2,
                values={"name": p.persons[0].name, "id_number": p.plain_ids[0]},
                raw=[p.persons[0].name, p.plain_ids[0]],
            )
            for n, p in enumerate((world.a, world.b))
        ],
        title="协查名单",
        category="general",
        headers=["姓名", "身份证号"],
        mapping={"name": "姓名", "id_number": "身份证号"},
    )
    in_a, in_b = (other.batch.tasks.get(grid=place.grid) for place in (world.a, world.b))
    past = timezone.now() - timedelta(hours=1)
    late = [t.pk for t in many[::2]] + [in_a.pk, in_b.pk]
    VerificationTask.objects.filter(pk__in=late).update(deadline=past)
    # Overdue but off the clock (feedback in) or finished: not listed; names shared: ordered by id.
    VerificationTask.objects.filter(pk__in=[many[0].pk, many[4].pk]).update(state=TaskState.SUBMITTED)
    VerificationTask.objects.filter(pk=many[8].pk).update(state=TaskState.CLOSED)
    VerificationTask.objects.filter(pk__in=[many[10].pk, many[11].pk, many[12].pk]).update(name="同名")

    def expected(town: Any) -> list[int]:
        rows = [
            t
            for t in VerificationTask.objects.all()
            if t.unit_path.startswith(town) and t.state in CLOCK_STATES and t.deadline < timezone.now()
        ]
        return [t.pk for t in sorted(rows, key=lambda t: (t.name, t.pk))]

    for user, town in (("town_a", world.a.town.path), ("district", DISTRICT), ("town_b", world.b.town.path)):
        want = expected(town)
        client = client_for(user)
        got: list[int] = []
        for page in (1, 2, 3):
            listed = client.get(f"/verification/desk/?overdue=1&sort=name&size=20&page={page}").context[
                "list"
            ]
            assert listed.total == len(want) and not listed.capped
            got += [t.pk for t in listed.rows] if listed.page == page else []
        assert got == want, user
    assert in_b.pk not in expected(world.a.town.path) and in_b.pk in expected(world.b.town.path)
    assert len(expected(world.a.town.path)) == 28  # 30 of the 60 + A's own task, less 3 off the clock
