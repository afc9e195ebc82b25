"""The command centre's API: directives and assignments, screening visits. Scoped like the pages
(out of scope is 404); refusals carry a stable ``code``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status

from hongyixing.areas.models import Household
from hongyixing.command import queries, services
from hongyixing.command.models import Assignment, Campaign
from hongyixing.core.bounds import Key
from hongyixing.core.scope import path_prefix_q

router = Router(tags=["command"])


class AssignmentOut(Schema):
    id: int
    directive_id: int
    number: str
    title: str
    target_name: str
    unit_path: str
    group_id: int | None
    state: str
    deadline: dt.datetime
    escalation: int
    acknowledged_at: dt.datetime | None
    completed_at: dt.datetime | None
    accepted_at: dt.datetime | None
    version: int

    @staticmethod
    def resolve_number(obj: Assignment) -> str:
        return obj.directive.number

    @staticmethod
    def resolve_title(obj: Assignment) -> str:
        return obj.directive.title


class DirectiveOut(Schema):
    id: int
    number: str
    title: str
    issued_at: dt.datetime
    deadline: dt.datetime
    targets: int
    acknowledged: int
    completed: int
    accepted: int
    overdue: int


class StepIn(Schema):
    version: Key | None = None
    text: str = ""


class ReportIn(Schema):
    client_id: str
    text: str = ""
    figures: dict[str, Any] = {}
    version: Key | None = None


class StepOut(Schema):
    created: bool
    assignment: AssignmentOut


class VisitIn(Schema):
    client_id: str
    household_id: Key
    outcome: str
    answers: dict[str, Any] = {}
    findings: str = ""
    person_id: Key | None = None
    raise_task: bool = False


class VisitOut(Schema):
    id: int
    created: bool
    household_id: int
    outcome: str
    task_id: int | None


@router.get("/assignments", response=list[AssignmentOut], summary="Your unit's or group's assignments")
def list_assignments(request: HttpRequest, all: bool = False, after: Key = 0, limit: Key = 100) -> Any:
    rows = queries.my_assignments(request.user, open_only=not all)
    if after:
        rows = rows.filter(id__gt=after)
    return list(rows[: max(1, min(limit, 500))])


@router.get("/assignments/{assignment_id}", response=AssignmentOut)
def get_assignment(request: HttpRequest, assignment_id: Key) -> Any:
    return get_object_or_404(
        Assignment.objects.restrict(request.user).select_related("directive"), pk=assignment_id
    )


def _step(
    request: HttpRequest, assignment_id: Key, action: str, report: services.Report, version: Key | None
) -> Any:
    assignment = get_object_or_404(
        Assignment.objects.restrict(request.user, "change").select_related("directive"), pk=assignment_id
    )
    updated, created = services.check_act(request.user, assignment, action, report, expected_version=version)
    updated = Assignment.objects.select_related("directive").get(pk=updated.pk)
    return Status(
        201 if created and action in ("progress", "complete") else 200,
        {"created": created, "assignment": updated},
    )


STEP_RESPONSES = {200: StepOut, 201: StepOut}


@router.post("/assignments/{assignment_id}/acknowledge", response=STEP_RESPONSES, summary="签收")
def acknowledge_assignment(request: HttpRequest, assignment_id: Key, payload: StepIn) -> Any:
    return _step(request, assignment_id, "acknowledge", services.Report(text=payload.text), payload.version)


@router.post(
    "/assignments/{assignment_id}/progress",
    response=STEP_RESPONSES,
    summary="A progress note; a retry with the same client_id returns the stored result",
)
def report_progress(request: HttpRequest, assignment_id: Key, payload: ReportIn) -> Any:
    report = services.Report(text=payload.text, figures=payload.figures, client_id=payload.client_id)
    return _step(request, assignment_id, "progress", report, payload.version)


@router.post(
    "/assignments/{assignment_id}/complete",
    response=STEP_RESPONSES,
    summary="The completion report (text and figures); idempotent by client_id",
)
def report_completion(request: HttpRequest, assignment_id: Key, payload: ReportIn) -> Any:
    report = services.Report(text=payload.text, figures=payload.figures, client_id=payload.client_id)
    return _step(request, assignment_id, "complete", report, payload.version)


@router.post("/assignments/{assignment_id}/accept", response=STEP_RESPONSES, summary="The issuer accepts")
def accept_assignment(request: HttpRequest, assignment_id: Key, payload: StepIn) -> Any:
    return _step(request, assignment_id, "accept", services.Report(text=payload.text), payload.version)


@router.post(
    "/assignments/{assignment_id}/return",
    response=STEP_RESPONSES,
    summary="The issuer sends it back, with why",
)
def return_assignment(request: HttpRequest, assignment_id: Key, payload: StepIn) -> Any:
    return _step(request, assignment_id, "return", services.Report(text=payload.text), payload.version)


@router.get("/directives", response=list[DirectiveOut], summary="Directives issued, with per-unit progress")
def list_directives(request: HttpRequest, limit: Key = 100) -> Any:
    return list(queries.issued_directives(request.user)[: max(1, min(limit, 500))])


@router.post(
    "/screening/{campaign_id}/visits",
    response={200: VisitOut, 201: VisitOut},
    summary="A household visit; a retry with the same client_id returns the stored visit",
)
def submit_visit(request: HttpRequest, campaign_id: Key, payload: VisitIn) -> Any:
    campaign = get_object_or_404(Campaign.objects.restrict(request.user), pk=campaign_id)
    household = get_object_or_404(
        Household.objects.restrict(request.user, "change").filter(
            path_prefix_q("unit_path", campaign.unit_path)
        ),
        pk=payload.household_id,
    )
    data = services.VisitInput(
        client_id=payload.client_id,
        outcome=payload.outcome,
        answers=payload.answers,
        findings=payload.findings,
        person_id=payload.person_id,
        raise_task=payload.raise_task,
    )
    visit, created = services.submit_visit(request.user, campaign, household, data)
    visit.refresh_from_db()
    return Status(
        201 if created else 200,
        {
            "id": visit.pk,
            "created": created,
            "household_id": visit.household_id,
            "outcome": visit.outcome,
            "task_id": visit.task_id,
        },
    )
