"""An assignment's life cycle: acknowledge, progress, complete, accept or return, and deadline
extensions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from hongyixing.command.choices import (
    CLOCK_STATES,
    AssignmentState,
    NoteKind,
)
from hongyixing.command.models import (
    Assignment,
    AssignmentNote,
    Directive,
    GroupMember,
)
from hongyixing.command.services.common import (
    _assignee_users,
    clean_answers,
    may_change,
)
from hongyixing.core import audit, deadlines
from hongyixing.core.errors import DomainError
from hongyixing.notices.services import notify

# The assignment's life cycle: (states it may leave from, state it reaches, whose step it is).
TRANSITIONS: dict[str, tuple[set[str], str, str]] = {
    "acknowledge": ({AssignmentState.ISSUED}, AssignmentState.ACKNOWLEDGED, "target"),
    "progress": (
        {AssignmentState.ACKNOWLEDGED, AssignmentState.IN_PROGRESS, AssignmentState.RETURNED},
        AssignmentState.IN_PROGRESS,
        "target",
    ),
    "complete": (
        {AssignmentState.ACKNOWLEDGED, AssignmentState.IN_PROGRESS, AssignmentState.RETURNED},
        AssignmentState.COMPLETED,
        "target",
    ),
    "accept": ({AssignmentState.COMPLETED}, AssignmentState.ACCEPTED, "issuer"),
    "return": ({AssignmentState.COMPLETED}, AssignmentState.RETURNED, "issuer"),
}
NOTE_KIND = {
    "progress": NoteKind.PROGRESS,
    "complete": NoteKind.COMPLETION,
    "return": NoteKind.RETURN,
    "accept": NoteKind.ACCEPTANCE,
}


def is_issuer_side(user: Any, assignment: Assignment) -> bool:
    directive: Any = assignment.directive
    return may_change(user, directive.unit_path)


def is_target_side(user: Any, assignment: Assignment) -> bool:
    """The target unit's own officers (not the issuer above them), or the target group's members."""
    if assignment.group_id is not None:
        return GroupMember.objects.filter(group_id=assignment.group_id, user_id=user.pk).exists()
    return may_change(user, assignment.unit_path) and not is_issuer_side(user, assignment)


def allowed_actions(user: Any, assignment: Assignment) -> list[str]:
    sides = set()
    if is_target_side(user, assignment):
        sides.add("target")
    if is_issuer_side(user, assignment):
        sides.add("issuer")
    return [
        a for a, (sources, _t, side) in TRANSITIONS.items() if assignment.state in sources and side in sides
    ]


@dataclass
class Report:
    """What comes with a step: a note, figures/answers, an evidence file, a client id for retries."""

    text: str = ""
    figures: dict[str, Any] = field(default_factory=dict)
    file: Any = None
    client_id: str = ""


def check_act(
    actor: Any,
    assignment: Assignment,
    action: str,
    report: Report | None = None,
    *,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> tuple[Assignment, bool]:
    """Validate the step and take it. Returns ``(assignment, created)``; a retried report with the same
    client id is recognised and returns ``created=False`` without a second note."""
    report = report or Report()
    if report.client_id:
        existing = AssignmentNote.objects.filter(client_id=report.client_id).first()
        if existing is not None:
            if existing.assignment_id != assignment.pk:
                raise DomainError(
                    "note.client_id_reused", _("This submission id belongs to another assignment.")
                )
            assignment.refresh_from_db()
            return assignment, False
    if action not in TRANSITIONS:
        raise DomainError("assignment.bad_action", _("Unknown step."))
    if action not in allowed_actions(actor, assignment):
        if assignment.state not in TRANSITIONS[action][0]:
            raise DomainError(
                "assignment.bad_transition",
                _("This cannot be done in the assignment's state: %(state)s")
                % {"state": assignment.get_state_display()},
            )
        raise DomainError("assignment.not_allowed", _("You cannot do this with this assignment."))
    try:
        return do_act(actor, assignment, action, report, expected_version=expected_version, now=now), True
    except IntegrityError:
        existing = (
            AssignmentNote.objects.filter(client_id=report.client_id).first() if report.client_id else None
        )
        if existing is None:
            raise
        assignment.refresh_from_db()
        return assignment, False


@transaction.atomic
def do_act(
    actor: Any,
    assignment: Assignment,
    action: str,
    report: Report,
    *,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Assignment:
    now = now or timezone.now()
    locked = (
        Assignment.objects.select_for_update().select_related("directive").filter(pk=assignment.pk).first()
    )
    if locked is None:
        raise Http404
    if expected_version is not None and locked.version != expected_version:
        raise DomainError(
            "assignment.stale", _("Someone else changed this assignment; reload and try again.")
        )
    sources, target, _side = TRANSITIONS[action]
    if locked.state not in sources:
        raise DomainError(
            "assignment.bad_transition",
            _("This cannot be done in the assignment's state: %(state)s")
            % {"state": locked.get_state_display()},
        )
    directive = locked.directive
    figures: dict[str, Any] = {}
    text = report.text.strip()
    if action == "progress" and not text:
        raise DomainError("assignment.no_text", _("Write what has been done."))
    if action == "return" and not text:
        raise DomainError("assignment.no_reason", _("Say why it goes back."))
    if action == "complete":
        if directive.feedback_text and not text:
            raise DomainError("assignment.no_text", _("The directive asks for a written report."))
        if directive.feedback_file and not report.file:
            raise DomainError("assignment.no_file", _("The directive asks for a file."))
        figures = clean_answers(directive.feedback_fields, report.figures, required=True)
    elif action == "progress":
        figures = clean_answers(directive.feedback_fields, report.figures, required=False)
    before = audit.snapshot(locked)
    locked.state = target
    if action == "acknowledge":
        locked.acknowledged_at, locked.acknowledged_by = now, actor
    elif action == "complete":
        locked.completed_at = now
    elif action == "accept":
        locked.accepted_at, locked.accepted_by = now, actor
    elif action == "return":
        locked.completed_at = None
    locked.version += 1
    locked.save()
    audit.log_update(actor, locked, before)
    if action in NOTE_KIND:
        note = AssignmentNote.objects.create(
            assignment=locked,
            kind=NOTE_KIND[action],
            client_id=report.client_id or None,
            author=actor,
            created_at=now,
            text=text,
            figures=figures,
            file=report.file,
        )
        audit.log_create(actor, note)
    audit.emit(f"assignment.{action}", locked, actor, data={"number": directive.number})
    _notify_step(locked, directive, action, now)
    return locked


@transaction.atomic
def do_extend_deadline(
    actor: Any, assignment: Assignment, deadline: dt.datetime, reason: str, now: dt.datetime | None = None
) -> Assignment:
    """The issuer grants one unit more time (延期): the clock restarts towards the new deadline."""
    now = now or timezone.now()
    locked = (
        Assignment.objects.select_for_update().select_related("directive").filter(pk=assignment.pk).first()
    )
    if locked is None:
        raise Http404
    if not is_issuer_side(actor, locked):
        raise DomainError("assignment.not_allowed", _("You cannot do this with this assignment."))
    if locked.state not in CLOCK_STATES:
        raise DomainError(
            "assignment.bad_transition",
            _("This cannot be done in the assignment's state: %(state)s")
            % {"state": locked.get_state_display()},
        )
    if deadline <= max(now, locked.deadline) or not reason.strip():
        raise DomainError("assignment.bad_extension", _("Give a later deadline and the reason."))
    before = audit.snapshot(locked)
    for name, value in deadlines.clock_times(now, deadline).items():
        setattr(locked, name, value)
    locked.escalation = 0
    locked.version += 1
    locked.save()
    audit.log_update(actor, locked, before)
    audit.emit(
        "assignment.extended",
        locked,
        actor,
        data={"deadline": deadline.isoformat(), "reason": reason.strip()[:300]},
    )
    return locked


def _notify_step(assignment: Assignment, directive: Directive, action: str, now: dt.datetime) -> None:
    values = {"number": directive.number, "target": assignment.target_name}
    if action == "complete":
        users: set[int] = {directive.issuer_id}
        text = _("%(target)s reports directive %(number)s complete: please accept or return it") % values
    elif action == "return":
        users = _assignee_users([assignment])[assignment.pk]
        text = _("Directive %(number)s was returned to %(target)s for rework") % values
    elif action == "accept":
        users = _assignee_users([assignment])[assignment.pk]
        text = _("Directive %(number)s: the work of %(target)s was accepted") % values
    else:
        return
    notify(users, f"directive.{action}", text, now=now)
