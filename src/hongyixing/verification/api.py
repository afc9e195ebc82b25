from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status

from hongyixing.areas.models import Grid
from hongyixing.core.bounds import Key
from hongyixing.core.scope import scope_for
from hongyixing.verification import queries, services
from hongyixing.verification.models import PushSource, VerificationTask

router = Router(tags=["verification"])


class IntakeRowIn(Schema):
    row_key: str
    name: str = ""
    id_number: str = ""
    phone: str = ""
    address: str = ""
    reason: str = ""
    arrival_time: str = ""


class IntakeIn(Schema):
    source: str
    batch_id: str
    title: str = ""
    category: str = "general"
    rows: list[IntakeRowIn]


class IntakeOut(Schema):
    batch: int
    duplicate: bool
    counts: dict[str, int]


class TaskOut(Schema):
    id: int
    batch_id: int
    name: str
    category: str
    state: str
    unit_path: str
    grid_id: int | None
    waits_at: str  # the village or town whose desk assigns a grid ("" once a grid has the task)
    person_id: int | None
    deadline: dt.datetime
    escalation: int
    disposition: str
    version: int


class FeedbackIn(Schema):
    client_id: str
    contact_method: str
    disposition: str
    current_location: str = ""
    # Read as sent and checked by the one validator the form uses (same refusals, same messages).
    arrival_date: str | None = None
    route: str = ""
    symptoms: str = ""
    temperature: float | str | None = None
    code_colour: str = "unknown"
    test_status: str = "none"
    notes: str = ""


class FeedbackOut(Schema):
    created: bool
    task: TaskOut


INTAKE_FIELDS = ("name", "id_number", "phone", "address", "reason", "arrival_time")


@router.post(
    "/intake",
    response={200: IntakeOut, 201: IntakeOut},
    summary="Machine-to-machine push list; idempotent by (source, batch_id) and row_key",
)
def intake(request: HttpRequest, payload: IntakeIn) -> Any:
    if not scope_for(request.user, "change").covers_path(services.DISTRICT_PATH):
        raise Http404
    source = get_object_or_404(PushSource, code=payload.source)
    rows = [
        services.PlainRow(
            row_number=n,
            values={f: getattr(row, f) for f in INTAKE_FIELDS},
            raw=[getattr(row, f) for f in INTAKE_FIELDS],
            row_key=row.row_key,
        )
        for n, row in enumerate(payload.rows, start=1)
    ]
    result = services.do_intake(
        request.user,
        source,
        rows,
        title=payload.title or payload.batch_id,
        category=payload.category,
        headers=list(INTAKE_FIELDS),
        mapping={f: f for f in INTAKE_FIELDS},
        external_id=payload.batch_id,
    )
    if result.duplicate:
        return Status(
            200, {"batch": result.batch.pk, "duplicate": True, "counts": queries.row_counts(result.batch)}
        )
    return Status(201, {"batch": result.batch.pk, "duplicate": False, "counts": result.counts})


@router.get(
    "/tasks", response=list[TaskOut], summary="Open tasks in your jurisdiction, closest deadline first"
)
def list_tasks(request: HttpRequest, state: str | None = None, after: Key = 0, limit: Key = 100) -> Any:
    tasks = (
        queries.desk_tasks(request.user, state).filter(id__gt=after)
        if after
        else queries.desk_tasks(request.user, state)
    )
    return list(tasks[: max(1, min(limit, 500))])


@router.get("/tasks/{task_id}", response=TaskOut)
def get_task(request: HttpRequest, task_id: Key) -> Any:
    return get_object_or_404(VerificationTask.objects.restrict(request.user), pk=task_id)


@router.post(
    "/tasks/{task_id}/feedback",
    response={200: FeedbackOut, 201: FeedbackOut},
    summary="Field feedback; a retry with the same client_id returns the stored result",
)
def post_feedback(request: HttpRequest, task_id: Key, payload: FeedbackIn) -> Any:
    task = get_object_or_404(VerificationTask.objects.restrict(request.user, "change"), pk=task_id)
    _feedback, created = services.submit_feedback(
        request.user, task, services.FeedbackInput(**payload.dict())
    )
    task.refresh_from_db()
    return Status(201 if created else 200, {"created": created, "task": task})


class TransitionIn(Schema):
    action: str
    version: Key
    note: str = ""
    grid_id: Key | None = None
    forwarded_to: str = ""


@router.post(
    "/tasks/{task_id}/transition",
    response=TaskOut,
    summary="accept / start / confirm / review / close / return / forward / forward_out / reassign / assign",
)
def transition(request: HttpRequest, task_id: Key, payload: TransitionIn) -> Any:
    task = get_object_or_404(VerificationTask.objects.restrict(request.user, "change"), pk=task_id)
    grid = None
    if payload.grid_id is not None:
        grids = Grid.objects.filter(unit_path__startswith=services.DISTRICT_PATH)
        if payload.action != "forward":
            grids = grids.restrict(request.user)
        grid = get_object_or_404(grids, pk=payload.grid_id)
    return services.check_transition(
        request.user,
        task,
        payload.action,
        note=payload.note,
        grid=grid,
        forwarded_to=payload.forwarded_to,
        expected_version=payload.version,
    )
