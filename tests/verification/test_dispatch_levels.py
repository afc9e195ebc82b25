"""Rows placed for certain at a village (or a town) but not at one grid wait on that unit's desk."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from hongyixing.accounts import services as accounts
from hongyixing.areas import services as areas
from hongyixing.core.errors import DomainError
from hongyixing.verification import services
from hongyixing.verification.choices import RowStatus, TaskState
from hongyixing.verification.models import PushRow, PushSource, VerificationTask
from tests.personas import PASSWORD, World, login


def _intake(world: World, *addresses: str, names: tuple[str, ...] = ()):
    rows = [
        services.PlainRow(
            row_number=n + 2,
            values={"name": (names[n] if n < len(names) else f"张{n}"), "address": address},
            raw=[f"张{n}", address],
        )
        for n, address in enumerate(addresses)
    ]
    return services.do_intake(
        world.users["district"],
        PushSource.objects.get(code="province-big-data"),
        rows,
        title="协查",
        category="general",
        headers=["姓名", "地址"],
    )


@pytest.fixture
def second_grid(world: World):
    return areas.do_create_grid(None, world.a.village, 2, f"{world.a.village.name}第2网格", "网格员A2")


@pytest.fixture
def cadre(world: World):
    user = accounts.do_create_user(None, "cadre_a", password=PASSWORD, display_name="cadre_a")
    accounts.do_grant(None, user, "village_cadre", unit=world.a.village)
    return user


def test_village_over_several_grids_waits_on_the_village_desk(world: World, second_grid, cadre) -> None:
    result = _intake(world, "高良涧街道临河社区人民路18号")
    row = PushRow.objects.get(batch=result.batch)
    assert row.status == RowStatus.TASKED
    task = row.task
    assert task is not None and task.grid is None and task.state == TaskState.WAITING
    assert task.waits_at == world.a.village.path
    assert "临河社区" in row.route_reason and "置信度" not in row.route_reason
    # The SLA clock runs from dispatch, as for a grid's task.
    assert task.warn_half_at is not None and task.deadline > task.created_at
    # The village's cadre and the town see it; no grid worker does until it is assigned.
    assert VerificationTask.objects.restrict(cadre).filter(pk=task.pk).exists()
    assert VerificationTask.objects.restrict(world.users["town_a"]).filter(pk=task.pk).exists()
    assert not VerificationTask.objects.restrict(world.users["grid_a1"]).filter(pk=task.pk).exists()


def test_the_cadre_assigns_in_one_tap_from_the_desk(world: World, second_grid, cadre, client) -> None:
    task = _intake(world, "高良涧街道临河社区人民路18号").batch.tasks.get()
    login(client, cadre)
    page = client.get("/verification/desk/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "张0" in body and second_grid.name in body
    answer = client.post(
        f"/verification/tasks/{task.pk}/transition/",
        {"action": "assign", "grid": world.a.grid.pk, "version": task.version, "next": "desk"},
    )
    assert answer.status_code == 302 and answer["Location"].startswith("/verification/desk/")
    task.refresh_from_db()
    assert task.state == TaskState.DISPATCHED and task.grid == world.a.grid and task.waits_at == ""
    assert VerificationTask.objects.restrict(world.users["grid_a1"]).filter(pk=task.pk).exists()


def test_a_grid_outside_the_waiting_village_is_refused(world: World, second_grid) -> None:
    task = _intake(world, "高良涧街道临河社区人民路18号").batch.tasks.get()
    with pytest.raises(DomainError) as refused:
        services.check_transition(world.users["district"], task, "assign", grid=world.b.grid)
    assert refused.value.code == "task.grid_elsewhere"


def test_grid_worker_cannot_assign(world: World, second_grid) -> None:
    task = _intake(world, "高良涧街道临河社区人民路18号").batch.tasks.get()
    assert "assign" not in services.allowed_actions(world.users["grid_a1"], task)
    assert "assign" in services.allowed_actions(world.users["town_a"], task)


def test_town_only_address_waits_on_the_town_desk(world: World) -> None:
    task = _intake(world, "高良涧街道人民路18号").batch.tasks.get()
    assert task.state == TaskState.WAITING and task.waits_at == world.a.town.path and task.grid is None
    row = task.rows.get()
    assert "高良涧街道" in row.route_reason


def test_unplaceable_rows_stay_in_the_manual_queue_with_a_reason(world: World) -> None:
    result = _intake(world, "某某地方某路5号")
    row = PushRow.objects.get(batch=result.batch)
    assert row.status == RowStatus.MANUAL and row.task is None
    assert row.route_reason and "%" not in row.route_reason


def test_waiting_tasks_escalate_like_any_other(world: World, second_grid) -> None:
    task = _intake(world, "高良涧街道临河社区人民路18号").batch.tasks.get()
    services.do_escalate(timezone.now() + dt.timedelta(days=3))
    task.refresh_from_db()
    assert task.escalation == 4


def test_the_clock_of_a_waiting_task_reaches_the_village_cadre(world: World, second_grid, cadre) -> None:
    from hongyixing.notices.models import Notification

    task = _intake(world, "高良涧街道临河社区人民路18号").batch.tasks.get()
    assert task.warn_half_at is not None
    services.do_escalate(task.warn_half_at + dt.timedelta(minutes=1))
    told = set(Notification.objects.filter(kind="sla.half").values_list("recipient__username", flat=True))
    assert told == {"cadre_a"}


def test_the_clock_of_a_task_waiting_at_the_town_reaches_the_town_officer(world: World) -> None:
    from hongyixing.notices.models import Notification

    task = _intake(world, "高良涧街道人民路18号").batch.tasks.get()
    assert task.warn_half_at is not None
    services.do_escalate(task.warn_half_at + dt.timedelta(minutes=1))
    told = set(Notification.objects.filter(kind="sla.half").values_list("recipient__username", flat=True))
    assert told == {world.users["town_a"].username}
