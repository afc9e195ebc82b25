"""What the register's changes do to a person's open tasks (people.signals; verification/receivers.py).

A death or a move out of the district closes every open task of the person with the disposition and
a recorded reason; a move inside the district re-points the tasks nobody has submitted yet to the
new grid, whose worker then has them. These follow a change already checked against the actor's
scope and role, so they reach the person's tasks wherever they were routed."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from hongyixing.core import audit
from hongyixing.verification.choices import OPEN_STATES, TaskState
from hongyixing.verification.models import VerificationTask

# Open and still with the grid (nobody has submitted feedback yet, or it came back for rework);
# a task waiting at a desk for a grid stays there.
NOT_SUBMITTED = (
    TaskState.NEW,
    TaskState.DISPATCHED,
    TaskState.ACCEPTED,
    TaskState.IN_PROGRESS,
    TaskState.RETURNED,
)


@transaction.atomic
def do_close_tasks_of_person(actor: Any, person_id: int, disposition: str, note: str) -> list[int]:
    """Close the person's open tasks with ``disposition`` and ``note`` (the reason); their ids."""
    tasks = list(
        VerificationTask.objects.select_for_update()
        .filter(person_id=person_id, state__in=OPEN_STATES)
        .order_by("id")
    )
    now = timezone.now()
    for task in tasks:
        before = audit.snapshot(task)
        task.state, task.disposition, task.closed_at = TaskState.CLOSED, disposition, now
        task.note = note[:300]
        task.version = F("version") + 1
        task.save()
        task.refresh_from_db()
        audit.log_update(actor, task, before)
        audit.emit("task.closed", task, actor, data={"reason": note[:300]})
    return [task.pk for task in tasks]


@transaction.atomic
def do_repoint_tasks_of_person(
    actor: Any, person_id: int, unit_path: str, grid_id: int | None, note: str = ""
) -> list[int]:
    """Give the person's not-yet-submitted tasks to the grid they now live in; their ids."""
    if grid_id is None:
        return []
    tasks = list(
        VerificationTask.objects.select_for_update()
        .filter(person_id=person_id, state__in=NOT_SUBMITTED)
        .exclude(grid_id=grid_id, unit_path=unit_path)
        .order_by("id")
    )
    for task in tasks:
        before = audit.snapshot(task)
        task.grid_id, task.unit_path = grid_id, unit_path
        task.version = F("version") + 1
        task.save()
        task.refresh_from_db()
        audit.log_update(actor, task, before)
        audit.emit("task.moved", task, actor, data={"note": note[:300]} if note else None)
    return [task.pk for task in tasks]
