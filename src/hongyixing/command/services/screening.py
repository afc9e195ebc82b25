"""Carpet screening: campaigns, visits, and the tasks and measures raised from findings."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from hongyixing.areas.models import AdminUnit, Household
from hongyixing.command.choices import (
    VisitOutcome,
)
from hongyixing.command.models import (
    Campaign,
    Visit,
)
from hongyixing.command.services.common import (
    SCREENING_SOURCE,
    _require_change,
    clean_answers,
    normalise_fields,
)
from hongyixing.core import audit
from hongyixing.core.bulk import insert_returning_ids
from hongyixing.core.errors import DomainError
from hongyixing.people.models import Person
from hongyixing.verification.models import PushSource
from hongyixing.verification.services import do_create_task_for_person

# --- Carpet screening --------------------------------------------------------------------------------


@transaction.atomic
def do_create_campaign(
    actor: Any,
    unit: AdminUnit,
    title: str,
    starts_on: dt.date,
    ends_on: dt.date,
    checklist: Iterable[dict[str, Any]],
    now: dt.datetime | None = None,
) -> Campaign:
    _require_change(actor, unit.path)
    if not title.strip():
        raise DomainError("campaign.no_title", _("A campaign needs a title."))
    if ends_on < starts_on:
        raise DomainError("campaign.bad_dates", _("A campaign must end on or after its first day."))
    campaign = Campaign.objects.create(
        unit=unit,
        unit_path=unit.path,
        title=title.strip()[:200],
        starts_on=starts_on,
        ends_on=ends_on,
        checklist=normalise_fields(checklist),
        created_by=actor,
        created_at=now or timezone.now(),
    )
    audit.log_create(actor, campaign)
    audit.emit("campaign.created", campaign, actor)
    return campaign


def campaign_is_open(campaign: Campaign, now: dt.datetime | None = None) -> bool:
    today = timezone.localtime(now or timezone.now()).date()
    return campaign.closed_at is None and campaign.starts_on <= today <= campaign.ends_on


@dataclass
class VisitInput:
    client_id: str
    outcome: str
    answers: dict[str, Any] = field(default_factory=dict)
    findings: str = ""
    person_id: int | None = None
    raise_task: bool = False


def submit_visit(
    actor: Any, campaign: Campaign, household: Household, data: VisitInput, now: dt.datetime | None = None
) -> tuple[Visit, bool]:
    """Idempotent by ``client_id``: a retry after a lost answer returns the stored visit."""
    if not data.client_id or len(data.client_id) > 64:
        raise DomainError("visit.bad_client_id", _("The submission id is missing or too long."))
    existing = Visit.objects.filter(client_id=data.client_id).first()
    if existing is not None:
        if existing.campaign_id != campaign.pk or existing.household_id != household.pk:
            raise DomainError("visit.client_id_reused", _("This submission id belongs to another household."))
        return existing, False
    try:
        return do_submit_visit(actor, campaign, household, data, now), True
    except IntegrityError:
        existing = Visit.objects.filter(client_id=data.client_id).first()
        if existing is None:
            raise
        return existing, False


@transaction.atomic
def do_submit_visit(
    actor: Any, campaign: Campaign, household: Household, data: VisitInput, now: dt.datetime | None = None
) -> Visit:
    now = now or timezone.now()
    if not household.unit_path.startswith(campaign.unit_path):
        raise DomainError("visit.outside_campaign", _("This household is outside the campaign."))
    if not Household.objects.restrict(actor, "change").filter(pk=household.pk).exists():
        raise Http404
    if not campaign_is_open(campaign, now):
        raise DomainError("visit.campaign_closed", _("The campaign is not running today."))
    if data.outcome not in VisitOutcome.values:
        raise DomainError("visit.bad_outcome", _("Choose what happened at the door."))
    answers = (
        clean_answers(campaign.checklist, data.answers, required=False)
        if data.outcome == VisitOutcome.VISITED
        else {}
    )
    person = None
    if data.person_id is not None:
        person = Person.objects.filter(pk=data.person_id, household_id=household.pk).first()
        if person is None:
            raise DomainError("visit.bad_person", _("This person does not live in this household."))
    if data.raise_task and (person is None or not data.findings.strip()):
        raise DomainError(
            "visit.finding_incomplete", _("To raise a verification task, name the person and the finding.")
        )
    if data.outcome == VisitOutcome.VISITED and not answers and not data.findings.strip():
        # An untouched form would count the door as covered without anyone having asked anything.
        raise DomainError(
            "visit.empty", _("Answer the checklist or write what was found before saving a visit.")
        )
    visit = Visit.objects.create(
        campaign=campaign,
        household=household,
        unit_path=household.unit_path,
        grid_id=household.grid_id,
        outcome=data.outcome,
        answers=answers,
        findings=data.findings.strip()[:500],
        client_id=data.client_id,
        visited_by=actor,
        visited_at=now,
        person=person,
    )
    audit.log_create(actor, visit)
    audit.emit("household.visited", visit, actor, data={"campaign": campaign.pk, "outcome": data.outcome})
    if data.raise_task:
        do_raise_task(actor, visit, now=now)
    return visit


@transaction.atomic
def do_bulk_record_visits(actor: Any, campaign: Campaign, visits: list[Visit]) -> list[Visit]:
    """Many visits at once (an offline phone's backlog, the demo): one insert, audited in bulk.
    Visits whose ``client_id`` is already stored are skipped, so a resent backlog is harmless."""
    known: set[str] = set()
    ids = [v.client_id for v in visits]
    for start in range(0, len(ids), 500):
        known |= set(
            Visit.objects.filter(client_id__in=ids[start : start + 500]).values_list("client_id", flat=True)
        )
    fresh = [v for v in visits if v.client_id not in known]
    for v in fresh:
        if not v.unit_path.startswith(campaign.unit_path):
            raise DomainError("visit.outside_campaign", _("This household is outside the campaign."))
        v.campaign = campaign
    created = insert_returning_ids(Visit, fresh)
    audit.log_bulk_create(actor, created)
    audit.emit_bulk("household.visited", created, actor)
    return created


@transaction.atomic
def do_raise_task(
    actor: Any, visit: Visit, person: Person | None = None, now: dt.datetime | None = None
) -> Any:
    """A finding becomes a verification task for the person, in their grid (one open task per person)."""
    locked = Visit.objects.select_for_update().restrict(actor, "change").filter(pk=visit.pk).first()
    if locked is None:
        raise Http404
    if locked.task_id is not None:
        return locked.task
    person = person or locked.person
    if person is None or person.household_id != locked.household_id:
        raise DomainError("visit.bad_person", _("Name a person of this household."))
    if not locked.findings:
        raise DomainError("visit.no_finding", _("Write down the finding first."))
    source = PushSource.objects.get(code=SCREENING_SOURCE)
    campaign: Any = locked.campaign
    reason = _("Carpet screening %(campaign)s: %(finding)s") % {
        "campaign": campaign.title,
        "finding": locked.findings,
    }
    task, _created = do_create_task_for_person(actor, person, source, reason=reason, now=now)
    before = audit.snapshot(locked)
    locked.person, locked.task = person, task
    locked.save(update_fields=["person", "task"])
    audit.log_update(actor, locked, before)
    audit.emit("visit.task_raised", locked, actor, data={"task": task.pk})
    return task


@transaction.atomic
def do_open_measure_from_finding(actor: Any, visit: Visit, person: Person | None, measure_type: str) -> Any:
    """A finding becomes a control measure for the person in one step (the team and the test days
    follow as for any measure); a second click returns the measure already opened."""
    from hongyixing.control import services as control

    locked = Visit.objects.select_for_update().restrict(actor, "change").filter(pk=visit.pk).first()
    if locked is None:
        raise Http404
    if locked.measure_id is not None:
        return locked.measure
    person = person or locked.person
    if person is None or person.household_id != locked.household_id:
        raise DomainError("visit.bad_person", _("Name a person of this household."))
    if not locked.findings:
        raise DomainError("visit.no_finding", _("Write down the finding first."))
    campaign: Any = locked.campaign
    spec = control.MeasureSpec(
        type=measure_type,
        reason=_("Carpet screening %(campaign)s: %(finding)s")
        % {"campaign": campaign.title, "finding": locked.findings},
    )
    measure = control.do_open_measure(actor, person, spec)
    before = audit.snapshot(locked)
    locked.person, locked.measure = person, measure
    locked.save(update_fields=["person", "measure"])
    audit.log_update(actor, locked, before)
    audit.emit("visit.measure_opened", locked, actor, data={"measure": measure.pk})
    return measure
