"""Feedback from the field: the one validator, the idempotent submit, and the measure it may request."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hongyixing.core import audit
from hongyixing.core.errors import DomainError
from hongyixing.verification.choices import MEASURE_DISPOSITIONS, Disposition, TaskState
from hongyixing.verification.feedback_input import FeedbackInput as FeedbackInput
from hongyixing.verification.feedback_input import feedback_problems
from hongyixing.verification.models import Feedback, VerificationTask
from hongyixing.verification.services.tasks import TRANSITIONS, _locked_task
from hongyixing.verification.signals import measure_requested


def check_feedback(data: FeedbackInput) -> FeedbackInput:
    """The one validator of feedback (form and API): the first problem is refused with its field."""
    problems = feedback_problems(data)
    if problems:
        field_name, message = problems[0]
        raise DomainError("feedback.invalid", message, field=field_name)
    return data


def submit_feedback(actor: Any, task: VerificationTask, data: FeedbackInput) -> tuple[Feedback, bool]:
    """Idempotent by ``client_id``: a retry after a lost answer returns the stored feedback. Refuses
    what :func:`check_feedback` refuses, whoever calls."""
    check_feedback(data)
    existing = Feedback.objects.filter(client_id=data.client_id).select_related("task").first()
    if existing is not None:
        if existing.task_id != task.pk:
            raise DomainError("feedback.client_id_reused", _("This submission id belongs to another task."))
        return existing, False
    try:
        return do_submit_feedback(actor, task, data), True
    except IntegrityError:
        existing = Feedback.objects.filter(client_id=data.client_id).first()
        if existing is None:
            raise
        return existing, False


@transaction.atomic
def do_submit_feedback(actor: Any, task: VerificationTask, data: FeedbackInput) -> Feedback:
    locked = _locked_task(task, actor)
    if data.disposition not in Disposition.values:
        raise DomainError("feedback.bad_disposition", _("Choose a disposition."))
    if locked.state not in TRANSITIONS["submit"]:
        raise DomainError("task.bad_transition", _("This task is not waiting for feedback."))
    feedback = Feedback.objects.create(
        task=locked,
        client_id=data.client_id,
        submitted_by=actor,
        submitted_at=timezone.now(),
        contact_method=data.contact_method,
        current_location=data.current_location[:200],
        arrival_date=data.arrival_date,
        route=data.route[:300],
        symptoms=data.symptoms[:200],
        temperature=data.temperature,
        code_colour=data.code_colour,
        test_status=data.test_status,
        disposition=data.disposition,
        notes=data.notes[:500],
        photo=data.photo,
        latitude=data.latitude,
        longitude=data.longitude,
    )
    before = audit.snapshot(locked)
    locked.disposition = data.disposition
    locked.submitted_at = feedback.submitted_at
    # Not reached yet: the task stays open on the clock and keeps escalating.
    locked.state = (
        TaskState.IN_PROGRESS if data.disposition == Disposition.UNREACHABLE else TaskState.SUBMITTED
    )
    locked.measure_requested = MEASURE_DISPOSITIONS.get(Disposition(data.disposition), "")
    locked.version += 1
    locked.save()
    audit.log_create(actor, feedback)
    audit.log_update(actor, locked, before)
    audit.emit("task.feedback", locked, actor, data={"disposition": data.disposition})
    if locked.measure_requested:
        audit.emit(
            "measure.requested", locked, actor, data={"measure": locked.measure_requested, "task": locked.pk}
        )
        measure_requested.send(
            sender=VerificationTask,
            task=locked,
            actor=actor,
            measure=locked.measure_requested,
            arrival=data.arrival_date,
        )
    return feedback
