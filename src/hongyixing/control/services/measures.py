"""Opening measures and changing them: suitability, notice, extension, early end, conversion and
handing a person to another district."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hongyixing.accounts.choices import Role
from hongyixing.control import schedule
from hongyixing.control.choices import (
    SUITABILITY_ITEMS,
    MeasureCategory,
    MeasureSource,
    MeasureState,
    MeasureType,
    SampleStatus,
    TransferOutState,
)
from hongyixing.control.models import (
    Measure,
    Sample,
    SelfReportLink,
    Stay,
    TeamMember,
)
from hongyixing.control.services.common import (
    MEDICAL_ROLES,
    _editable,
    _locked_measure,
    _require,
    _roles,
    _save,
    can_see,
    today,
)
from hongyixing.control.services.sites import (
    _check_out,
)
from hongyixing.control.services.team import (
    propose_team,
)
from hongyixing.core import audit
from hongyixing.core.crypto import seal
from hongyixing.core.errors import DomainError
from hongyixing.people.models import Person
from hongyixing.rules.services import measure_rule


@dataclass
class MeasureSpec:
    type: str
    source: str = MeasureSource.MANUAL
    category: str = MeasureCategory.GENERAL
    reason: str = ""
    arrival: dt.date | None = None
    last_exposure: dt.date | None = None
    start: dt.date | None = None
    task: Any = None


def _token() -> tuple[str, str]:
    token = secrets.token_urlsafe(24)
    return token, hashlib.sha256(token.encode()).hexdigest()


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _schedule_samples(actor: Any, measure: Measure, day_numbers: Sequence[int] | None = None) -> list[Sample]:
    wanted = schedule.test_dates(measure.start_date, day_numbers or measure.test_days, measure.end_date)
    existing = set(measure.samples.values_list("day_number", flat=True)) if measure.pk else set()
    samples = [
        Sample(
            measure=measure,
            person_id=measure.person_id,
            unit_path=measure.unit_path,
            grid_id=measure.grid_id,
            day_number=n,
            due_date=due,
        )
        for n, due in wanted
        if n not in existing
    ]
    created = Sample.objects.bulk_create(samples)
    if created and created[0].pk is None:  # backends without RETURNING on bulk insert
        created = list(measure.samples.filter(day_number__in=[s.day_number for s in samples]))
    audit.log_bulk_create(actor, created)
    return created


def _open(actor: Any, person: Person, spec: MeasureSpec, *, previous: Measure | None = None) -> Measure:
    if Measure.objects.filter(person=person, state=MeasureState.ACTIVE).exists():
        raise DomainError("measure.already_active", _("This person is already under a measure."))
    start = spec.start or schedule.start_from(spec.arrival, spec.last_exposure, today())
    follow_on = spec.source == MeasureSource.FOLLOW_ON
    # A follow-on phase belongs to the rule of the measure it follows (7+3 is one rule).
    rule = (
        previous.rule if follow_on and previous is not None else measure_rule(spec.type, spec.category, start)
    )
    period = rule.follow_on_days if follow_on else rule.period_days
    tests = list(rule.follow_on_test_days if follow_on else rule.test_days)
    measure = Measure(
        person=person,
        type=spec.type,
        category=spec.category,
        source=spec.source,
        reason=spec.reason[:200],
        task=spec.task,
        rule=rule,
        follow_on=follow_on,
        previous=previous,
        start_date=start,
        period_days=period,
        test_days=tests,
        end_date=schedule.end_date(start, period),
        unit_path=person.unit_path,
        grid_id=person.grid_id,
        household_id=person.household_id,
        opened_by=actor if getattr(actor, "is_authenticated", False) else None,
        opened_at=timezone.now(),
    )
    try:
        with transaction.atomic():
            measure.save()
    except IntegrityError as error:  # two desks opening at the same moment
        raise DomainError("measure.already_active", _("This person is already under a measure.")) from error
    audit.log_create(actor, measure)
    team = [
        TeamMember(measure=measure, role=t.role, user=t.user, name=t.name, duty=t.duty)
        for t in propose_team(person)
    ]
    TeamMember.objects.bulk_create(team)
    audit.log_bulk_create(actor, list(measure.team.all()))
    _schedule_samples(actor, measure)
    token, digest = _token()
    link = SelfReportLink.objects.create(
        measure=measure, digest=digest, token_sealed=seal(token), created_at=timezone.now()
    )
    audit.log_create(actor, link)
    audit.emit(
        "measure.opened",
        measure,
        actor,
        data={"type": measure.type, "source": measure.source, "end": measure.end_date.isoformat()},
    )
    return measure


@transaction.atomic
def do_open_measure(actor: Any, person: Person, spec: MeasureSpec) -> Measure:
    _require(
        person.in_scope(actor, "change")
        or bool(_roles(actor) & MEDICAL_ROLES and person.in_scope(actor, "view"))
    )
    if spec.type not in MeasureType.values:
        raise DomainError("measure.bad_type", _("Choose a measure type."))
    if spec.category not in MeasureCategory.values:
        raise DomainError("measure.bad_category", _("Choose a category."))
    try:
        return _open(actor, person, spec)
    except LookupError as error:
        raise DomainError(
            "measure.no_rule", _("No rule is in force for this measure on that date.")
        ) from error


def open_from_verification(
    actor: Any, task: Any, measure_type: str, arrival: dt.date | None
) -> Measure | None:
    """A verification disposition that calls for a measure: open it for the task's person, in the
    same transaction as the feedback. A person already under a measure keeps it."""
    if task.person_id is None or measure_type not in MeasureType.values:
        return None
    person = Person.objects.get(pk=task.person_id)
    if Measure.objects.filter(person=person, state=MeasureState.ACTIVE).exists():
        return None
    category = {
        "close_contact": MeasureCategory.CLOSE_CONTACT,
        "inbound": MeasureCategory.INBOUND,
    }.get(task.category, MeasureCategory.GENERAL)
    spec = MeasureSpec(
        type=measure_type,
        source=MeasureSource.VERIFICATION,
        category=category,
        reason=_("Verification task %(number)s") % {"number": task.pk},
        arrival=arrival,
        task=task,
    )
    return _open(actor, person, spec)


@transaction.atomic
def do_record_suitability(actor: Any, measure: Measure, answers: dict[str, bool]) -> Measure:
    locked, before = _editable(actor, measure)
    locked.suitability = {key: bool(answers.get(key)) for key in SUITABILITY_ITEMS}
    locked.suitable = all(locked.suitability.values())
    locked.suitability_checked_at = timezone.now()
    _save(actor, locked, before, "measure.suitability", {"suitable": locked.suitable})
    return locked


@transaction.atomic
def do_sign_notice(
    actor: Any, measure: Measure, signed_by: str, signed_at: dt.datetime | None = None
) -> Measure:
    if not signed_by.strip():
        raise DomainError("notice.no_signature", _("Enter who signed the notice."))
    locked, before = _editable(actor, measure)
    locked.notice_signed_by = signed_by.strip()[:60]
    locked.notice_signed_at = signed_at or timezone.now()
    _save(actor, locked, before, "measure.notice_signed")
    return locked


@transaction.atomic
def do_extend(
    actor: Any, measure: Measure, days: int, reason: str, expected_version: int | None = None
) -> Measure:
    if not 1 <= days <= 28:
        raise DomainError("measure.bad_extension", _("An extension is 1 to 28 days."))
    if not reason.strip():
        raise DomainError("measure.no_reason", _("Give a reason."))
    locked, before = _editable(actor, measure, expected_version)
    locked.extension_days += days
    locked.test_days = schedule.extended_test_days(
        locked.test_days, locked.period_days, locked.extension_days
    )
    locked.end_date = schedule.end_date(locked.start_date, locked.period_days, locked.extension_days)
    _save(actor, locked, before, "measure.extended", {"days": days, "reason": reason[:200]})
    _schedule_samples(actor, locked)
    return locked


def _close(actor: Any, measure: Measure, state: str, reason: str) -> None:
    measure.state = state
    measure.closed_at = timezone.now()
    measure.close_reason = reason[:200]
    for link in SelfReportLink.objects.select_for_update().filter(measure=measure, revoked_at__isnull=True):
        link_before = audit.snapshot(link)
        link.revoked_at = timezone.now()
        link.save(update_fields=["revoked_at"])
        audit.log_update(actor, link, link_before)
    cancelled = list(measure.samples.filter(status=SampleStatus.SCHEDULED))
    for sample in cancelled:
        before = audit.snapshot(sample)
        sample.status = SampleStatus.CANCELLED
        sample.save(update_fields=["status"])
        audit.log_update(actor, sample, before)
    for stay in Stay.objects.filter(measure=measure, checked_out_at__isnull=True):
        _check_out(actor, stay, reason)


@transaction.atomic
def do_end_early(actor: Any, measure: Measure, reason: str, expected_version: int | None = None) -> Measure:
    if not reason.strip():
        raise DomainError("measure.no_reason", _("Give a reason."))
    locked, before = _editable(actor, measure, expected_version)
    _close(actor, locked, MeasureState.ENDED_EARLY, reason)
    _save(actor, locked, before, "measure.ended_early", {"reason": reason[:200]})
    return locked


@transaction.atomic
def do_convert(actor: Any, measure: Measure, new_type: str, reason: str) -> Measure:
    """Home → centralised (the home failed the suitability check) or any other change of type. The
    clock keeps running from the original start; the new type's rule applies from there."""
    if new_type not in MeasureType.values or new_type == measure.type:
        raise DomainError("measure.bad_type", _("Choose a different measure type."))
    if not reason.strip():
        raise DomainError("measure.no_reason", _("Give a reason."))
    locked, before = _editable(actor, measure)
    _close(actor, locked, MeasureState.CONVERTED, reason)
    _save(actor, locked, before, "measure.converted", {"to": new_type})
    spec = MeasureSpec(
        type=new_type,
        source=MeasureSource.CONVERSION,
        category=locked.category,
        reason=reason,
        start=locked.start_date,
        task=locked.task,
    )
    try:
        return _open(actor, locked.person, spec, previous=locked)
    except LookupError as error:
        raise DomainError(
            "measure.no_rule", _("No rule is in force for this measure on that date.")
        ) from error


@transaction.atomic
def do_request_transfer_out(actor: Any, measure: Measure, destination: str, reason: str) -> Measure:
    if not destination.strip():
        raise DomainError("transfer_out.no_destination", _("Enter the receiving district."))
    locked, before = _editable(actor, measure)
    if locked.transfer_out_state == TransferOutState.REQUESTED:
        raise DomainError("transfer_out.pending", _("A transfer is already waiting for approval."))
    locked.transfer_out_to = destination.strip()[:100]
    locked.transfer_out_state = TransferOutState.REQUESTED
    _save(
        actor,
        locked,
        before,
        "measure.transfer_out_requested",
        {"to": locked.transfer_out_to, "reason": reason[:200]},
    )
    return locked


@transaction.atomic
def do_decide_transfer_out(actor: Any, measure: Measure, approve: bool) -> Measure:
    """Only the district command office approves handing a person to another district."""
    _require(can_see(actor, measure))
    if not (actor.is_superuser or Role.DISTRICT_OFFICE in _roles(actor)):
        raise DomainError(
            "transfer_out.not_allowed", _("Only the district command office approves transfers.")
        )
    locked = _locked_measure(measure)
    if locked.transfer_out_state != TransferOutState.REQUESTED or locked.state != MeasureState.ACTIVE:
        raise DomainError("transfer_out.not_requested", _("No transfer is waiting for approval."))
    before = audit.snapshot(locked)
    if approve:
        locked.transfer_out_state = TransferOutState.APPROVED
        _close(
            actor,
            locked,
            MeasureState.TRANSFERRED_OUT,
            _("Handed over to %(to)s") % {"to": locked.transfer_out_to},
        )
    else:
        locked.transfer_out_state = TransferOutState.REJECTED
    _save(actor, locked, before, "measure.transfer_out_decided", {"approved": approve})
    return locked
