"""The register's changes reach verification tasks: a death or a move away closes the open ones with
the reason; a move inside the district gives the unsubmitted ones to the new grid's worker."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from hongyixing.accounts import services as accounts
from hongyixing.areas import services as areas
from hongyixing.core.models import ChangeLog, DomainEvent
from hongyixing.people import lifecycle
from hongyixing.verification import services
from hongyixing.verification.choices import Disposition, TaskState
from hongyixing.verification.models import PushSource, VerificationTask
from tests.personas import PASSWORD, World, login

pytestmark = pytest.mark.django_db

YESTERDAY = timezone.localdate() - dt.timedelta(days=1)


def _task(world: World, person) -> VerificationTask:
    source = PushSource.objects.get(code="province-big-data")
    task, created = services.do_create_task_for_person(
        world.users["district"], person, source, reason="健康码异常"
    )
    assert created and task.state == TaskState.DISPATCHED
    return task


def test_a_death_closes_every_open_task_with_its_reason_in_the_change_log(world: World) -> None:
    person = world.a.persons[0]
    task = _task(world, person)
    services.do_transition(world.users["town_a"], task, "accept")
    lifecycle.do_record_death(world.users["town_a"], person, YESTERDAY)
    task.refresh_from_db()
    assert (task.state, task.disposition, task.note) == (TaskState.CLOSED, Disposition.NOT_RESIDENT, "死亡")
    assert task.closed_at is not None
    row = ChangeLog.objects.filter(object_type="verification.verificationtask", object_id=task.pk).latest(
        "id"
    )
    assert row.changes["state"] == [TaskState.ACCEPTED, TaskState.CLOSED]
    assert row.changes["disposition"] == ["", Disposition.NOT_RESIDENT]
    assert DomainEvent.objects.filter(name="task.closed", subject_id=task.pk).exists()


def test_a_move_gives_the_unsubmitted_task_to_the_new_grid_worker(world: World, client) -> None:
    village = world.a.village
    grid = areas.do_create_grid(None, village, 2, f"{village.name}第2网格", "网格员A2")
    compound = areas.do_create_unit(None, village, "compound", 2, "锦绣花园", grid=grid)
    household = areas.do_create_household(
        None, compound, f"{village.path}A0002", f"{village.name}锦绣花园5号", "5号"
    )
    worker = accounts.do_create_user(None, "grid_a2", password=PASSWORD, display_name="网格员A2")
    accounts.do_grant(None, worker, "grid_worker", grid=grid)
    person = world.a.persons[0]
    task = _task(world, person)
    lifecycle.do_move_person(world.users["town_a"], person, household, YESTERDAY, "投靠子女")
    task.refresh_from_db()
    assert (task.grid_id, task.unit_path, task.state) == (grid.pk, compound.path, TaskState.DISPATCHED)
    mine = login(client, worker).get("/verification/my/")
    assert mine.status_code == 200 and person.name in mine.content.decode()
    old = VerificationTask.objects.restrict(world.users["grid_a1"]).filter(pk=task.pk)
    assert not old.exists()
    assert DomainEvent.objects.filter(name="task.moved", subject_id=task.pk).exists()
