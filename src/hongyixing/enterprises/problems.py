"""Problems enterprises report ("六个一" service): assigned to a department and a leader with a deadline,
tracked to done. Deadlines are plain fields: the escalation engine (or :func:`escalation_hook`) reads
``deadline`` and writes ``escalation``; the command centre's supervision list reads overdue ones.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hongyixing.core import audit
from hongyixing.core.errors import DomainError, NotFound
from hongyixing.enterprises.choices import Department, ProblemCategory, ProblemState
from hongyixing.enterprises.models import Enterprise, Problem
from hongyixing.enterprises.services import is_contact, is_reviewer

OPEN_PROBLEM_STATES = (ProblemState.OPEN, ProblemState.ASSIGNED)


@transaction.atomic
def do_report_problem(actor: Any, enterprise: Enterprise, category: str, description: str) -> Problem:
    if not (is_contact(actor, enterprise.pk) or is_reviewer(actor, enterprise.unit_path)):
        raise NotFound()
    if category not in ProblemCategory.values:
        raise DomainError("problem.bad_category", _("Choose what kind of difficulty this is."), "category")
    description = description.strip()
    if not description:
        raise DomainError("problem.no_description", _("Describe the difficulty."), "description")
    problem = Problem.objects.create(
        enterprise=enterprise,
        unit_path=enterprise.unit_path,
        category=category,
        description=description[:5000],
        reported_by=actor,
        reported_at=timezone.now(),
    )
    audit.log_create(actor, problem)
    audit.emit("problem.reported", problem, actor, data={"category": category})
    return problem


def _locked(actor: Any, problem: Problem) -> Problem:
    locked = Problem.objects.select_for_update().filter(pk=problem.pk).first()
    if locked is None or not locked.in_scope(actor, "view"):
        raise NotFound()
    if not is_reviewer(actor, locked.unit_path):
        raise DomainError(
            "problem.not_allowed", _("Only the town or the district assigns and closes problems.")
        )
    return locked


@transaction.atomic
def do_assign_problem(
    actor: Any, problem: Problem, department: str, leader: str, deadline: dt.datetime | None
) -> Problem:
    locked = _locked(actor, problem)
    if locked.state == ProblemState.DONE:
        raise DomainError("problem.done", _("This problem is already solved."))
    if department not in Department.values:
        raise DomainError("problem.bad_department", _("Choose a department."), "department")
    if not leader.strip():
        raise DomainError("problem.no_leader", _("Name the responsible leader."), "leader")
    if deadline is None:
        raise DomainError("problem.no_deadline", _("Set a deadline."), "deadline")
    before = audit.snapshot(locked)
    locked.state, locked.department, locked.leader = ProblemState.ASSIGNED, department, leader.strip()[:60]
    locked.deadline, locked.escalation = deadline, 0
    locked.save()
    audit.log_update(actor, locked, before)
    audit.emit("problem.assigned", locked, actor, data={"department": department})
    return locked


@transaction.atomic
def do_solve_problem(actor: Any, problem: Problem, resolution: str) -> Problem:
    locked = _locked(actor, problem)
    if locked.state == ProblemState.DONE:
        raise DomainError("problem.done", _("This problem is already solved."))
    if not resolution.strip():
        raise DomainError("problem.no_resolution", _("Say how it was solved."), "resolution")
    before = audit.snapshot(locked)
    locked.state, locked.resolution, locked.done_at = (
        ProblemState.DONE,
        resolution.strip()[:5000],
        timezone.now(),
    )
    locked.save()
    audit.log_update(actor, locked, before)
    audit.emit("problem.solved", locked, actor)
    return locked


def escalation_hook(now: dt.datetime | None = None) -> int:
    """HOOK POINT for the escalation engine: mark open problems past their deadline as urged (3).

    Until the shared engine takes it over this is the whole rule: overdue → level 3; the supervision
    list shows them. Returns how many rows moved."""
    now = now or timezone.now()
    overdue = Problem.objects.filter(state__in=OPEN_PROBLEM_STATES, deadline__lt=now, escalation__lt=3)
    return overdue.update(escalation=3)
