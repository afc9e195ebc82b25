"""The task life cycle: states and who may move them, tasks raised from the field, calling the person."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.db import transaction
from django.db.models import F
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from hongyixing.areas.models import Grid
from hongyixing.core import audit
from hongyixing.core.crypto import seal, unseal
from hongyixing.core.errors import DomainError
from hongyixing.core.models import PiiAccessKind
from hongyixing.rules.services import rules_in_force
from hongyixing.verification.choices import OPEN_STATES, RowStatus, TaskState
from hongyixing.verification.models import PushBatch, PushRow, PushSource, VerificationTask
from hongyixing.verification.services import common
from hongyixing.verification.services.common import sla_times

TRANSITIONS: dict[str, set[str]] = {
    "accept": {TaskState.NEW, TaskState.DISPATCHED, TaskState.RETURNED},
    "start": {TaskState.DISPATCHED, TaskState.ACCEPTED},
    "submit": {TaskState.DISPATCHED, TaskState.ACCEPTED, TaskState.IN_PROGRESS, TaskState.RETURNED},
    "confirm": {TaskState.SUBMITTED},
    "review": {TaskState.CONFIRMED},
    "close": {TaskState.REVIEWED},
    "return": {TaskState.SUBMITTED, TaskState.CONFIRMED},
    "forward": {TaskState.NEW, TaskState.DISPATCHED, TaskState.ACCEPTED, TaskState.RETURNED},
    "forward_out": {
        TaskState.NEW,
        TaskState.DISPATCHED,
        TaskState.ACCEPTED,
        TaskState.IN_PROGRESS,
        TaskState.RETURNED,
    },
    "reassign": {TaskState.NEW, TaskState.DISPATCHED, TaskState.ACCEPTED, TaskState.RETURNED},
    "assign": {TaskState.WAITING},
}
TARGET_STATE = {
    "accept": TaskState.ACCEPTED,
    "start": TaskState.IN_PROGRESS,
    "submit": TaskState.SUBMITTED,
    "confirm": TaskState.CONFIRMED,
    "review": TaskState.REVIEWED,
    "close": TaskState.CLOSED,
    "return": TaskState.RETURNED,
    "forward": TaskState.FORWARDED,
    "forward_out": TaskState.FORWARDED_OUT,
    "reassign": TaskState.DISPATCHED,
    "assign": TaskState.DISPATCHED,
}


def _locked_task(task: VerificationTask, user: Any, action: str = "change") -> VerificationTask:
    locked = VerificationTask.objects.select_for_update().restrict(user, action).filter(pk=task.pk).first()
    if locked is None:
        raise Http404
    return locked


@transaction.atomic
def do_transition(
    actor: Any,
    task: VerificationTask,
    action: str,
    *,
    note: str = "",
    grid: Grid | None = None,
    forwarded_to: str = "",
    expected_version: int | None = None,
) -> VerificationTask:
    """One state change, audited. ``forward`` moves the task to another town's desk (a new grid
    chosen there); ``forward_out`` sends it out of the district with the destination."""
    locked = _locked_task(task, actor)
    if expected_version is not None and locked.version != expected_version:
        raise DomainError("task.stale", _("Someone else changed this task; reload and try again."))
    if locked.state not in TRANSITIONS.get(action, set()):
        raise DomainError(
            "task.bad_transition",
            _("This task cannot be %(action)s in its state: %(state)s")
            % {"action": action, "state": locked.get_state_display()},
        )
    before = audit.snapshot(locked)
    locked.state = TARGET_STATE[action]
    locked.version = F("version") + 1
    if note:
        locked.note = note[:300]
    if action in ("reassign", "forward", "assign"):
        if grid is None:
            raise DomainError("task.no_grid", _("Choose the grid that takes this task."))
        if action == "assign" and not grid.unit_path.startswith(locked.waits_at):
            raise DomainError(
                "task.grid_elsewhere", _("That grid is not in the village or town this task waits at.")
            )
        locked.grid_id, locked.unit_path, locked.waits_at = grid.pk, grid.unit_path, ""
        if action == "forward":
            locked.state = TaskState.DISPATCHED
    if action == "forward_out":
        if not forwarded_to.strip():
            raise DomainError("task.no_destination", _("Say where the person went."))
        locked.forwarded_to = forwarded_to.strip()[:200]
        locked.closed_at = timezone.now()
    if action == "close":
        locked.closed_at = timezone.now()
    locked.save()
    locked.refresh_from_db()
    audit.log_update(actor, locked, before)
    audit.emit(f"task.{action}", locked, actor, data={"note": note[:300]} if note else None)
    return locked


@transaction.atomic
def do_create_task_for_person(
    actor: Any,
    person: Any,
    source: PushSource,
    *,
    reason: str,
    category: str = "general",
    now: dt.datetime | None = None,
) -> tuple[VerificationTask, bool]:
    """A task for a known resident raised from the field (a carpet-screening finding, a check …).

    The person joins the source's list of the day like any pushed row, routed to their registered
    grid. A person who already has an open task gets no second one: ``(task, False)``."""
    now = now or timezone.now()
    if person.grid_id is None:
        raise DomainError("task.no_grid", _("This person has no registered grid."))
    open_task = (
        VerificationTask.objects.select_for_update()
        .filter(person_id=person.pk, state__in=OPEN_STATES)
        .order_by("id")
        .first()
    )
    if open_task is not None:
        return open_task, False
    day = timezone.localtime(now).date().isoformat()
    batch = (
        PushBatch.objects.select_for_update()
        .filter(source=source, external_id=f"{source.code}-{day}")
        .first()
    )
    if batch is None:
        batch = PushBatch.objects.create(
            source=source,
            external_id=f"{source.code}-{day}",
            title=_("%(source)s %(day)s") % {"source": source.name, "day": day},
            category=category,
            received_at=now,
            unit_path=common.DISTRICT_PATH,
            headers=["name", "reason"],
            mapping={"name": "name"},
        )
        audit.log_create(actor, batch)
    rule = rules_in_force(now)
    chosen = rule.get(category) or rule.get("general")
    if chosen is None:
        raise DomainError("rules.missing", _("No verification rule is in force."))
    task = VerificationTask.objects.create(
        batch=batch,
        person_id=person.pk,
        name=person.name[:60],
        category=category,
        rule_id_pinned=chosen.pk,
        unit_path=person.unit_path,
        grid_id=person.grid_id,
        state=TaskState.DISPATCHED,
        created_at=now,
        note=reason[:300],
        **sla_times(now, now + dt.timedelta(minutes=chosen.deadline_minutes)),
    )
    row_number = batch.row_count + 1
    row = PushRow.objects.create(
        batch=batch,
        row_number=row_number,
        row_key=f"t{task.pk}",
        raw_ciphertext=seal(json.dumps([person.name, reason], ensure_ascii=False)),
        name=person.name[:60],
        document_masked=person.document_masked,
        category=category,
        status=RowStatus.TASKED,
        person_id=person.pk,
        link_confidence=1.0,
        link_reason=_("Known resident"),
        unit_path=person.unit_path,
        grid_id=person.grid_id,
        route_confidence=1.0,
        route_reason=_("Registered household"),
        task=task,
    )
    PushBatch.objects.filter(pk=batch.pk).update(row_count=F("row_count") + 1)
    audit.log_create(actor, task)
    audit.log_create(actor, row)
    audit.emit("task.dispatched", task, actor, data={"source": source.code, "reason": reason[:300]})
    return task, True


# Who may take each step (on top of having the task in their "change" scope).
DESK_ROLES = {"town_officer", "district_office"}
ACTION_ROLES: dict[str, set[str]] = {
    "accept": DESK_ROLES,
    "return": DESK_ROLES,
    "forward": DESK_ROLES,
    "forward_out": DESK_ROLES,
    "reassign": DESK_ROLES,
    "assign": DESK_ROLES | {"village_cadre"},
    "review": DESK_ROLES,
    "close": DESK_ROLES,
    "confirm": DESK_ROLES | {"village_cadre"},
    "start": DESK_ROLES | {"village_cadre", "grid_worker"},
}


def allowed_actions(user: Any, task: VerificationTask) -> list[str]:
    from hongyixing.accounts.permissions import roles_of

    if not task.in_scope(user, "change"):
        return []
    roles = roles_of(user) | ({"district_office"} if getattr(user, "is_superuser", False) else set())
    return [a for a, needed in ACTION_ROLES.items() if task.state in TRANSITIONS[a] and roles & needed]


def check_transition(actor: Any, task: VerificationTask, action: str, **kwargs: Any) -> VerificationTask:
    if action not in allowed_actions(actor, task):
        raise DomainError("task.not_allowed", _("You cannot do this with this task."))
    return do_transition(actor, task, action, **kwargs)


def numbers_to_call(actor: Any, task: VerificationTask) -> list[str]:
    """The numbers to call for a task the actor works on: purpose-bound, and logged like a reveal."""
    if not task.in_scope(actor, "change"):
        raise Http404
    numbers: list[str] = []
    if task.person is not None:
        numbers = [unseal(p.ciphertext) for p in task.person.phones.order_by("-is_primary", "id")]
    if not numbers:
        for row in task.rows.select_related("batch"):
            header = row.batch.mapping.get("phone")
            if header and header in row.batch.headers:
                raw = json.loads(unseal(row.raw_ciphertext))
                index = row.batch.headers.index(header)
                if index < len(raw) and str(raw[index]).strip():
                    numbers.append(str(raw[index]).strip())
    audit.log_pii_access(
        actor,
        PiiAccessKind.REVEAL,
        "phone",
        _("Verification call, task %(id)d") % {"id": task.pk},
        person_id=task.person_id,
        detail={"task": task.pk},
    )
    return numbers
