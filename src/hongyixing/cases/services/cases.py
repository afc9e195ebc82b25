"""Opening and classifying cases: only CDC staff classify, every move audited and dated."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hongyixing.accounts.choices import Role
from hongyixing.accounts.permissions import roles_of
from hongyixing.cases import hooks
from hongyixing.cases.choices import (
    INFECTED,
    TRANSITIONS,
    CaseSource,
    Classification,
    ContactCategory,
    ContactState,
    Origin,
    Outcome,
    Severity,
)
from hongyixing.cases.models import Case, ClassificationChange, Contact
from hongyixing.core import audit
from hongyixing.core.errors import DomainError, NotFound
from hongyixing.people.models import Person

# Who reads case records (the index case's identity). Grid workers, cadres and town officers see the
# contacts they look after, never the case behind them.
CASE_READERS = frozenset({Role.CDC_STAFF, Role.DISTRICT_OFFICE})
CLASSIFIERS = frozenset({Role.CDC_STAFF})


def _roles(actor: Any) -> set[str]:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return set()
    return roles_of(actor)


def reads_cases(actor: Any) -> bool:
    return bool(actor is not None and getattr(actor, "is_superuser", False)) or bool(
        _roles(actor) & CASE_READERS
    )


def classifies(actor: Any) -> bool:
    return bool(actor is not None and getattr(actor, "is_superuser", False)) or bool(
        _roles(actor) & CLASSIFIERS
    )


def cases_for(actor: Any) -> Any:
    """The cases ``actor`` may read: CDC and the district office, within their area."""
    if not reads_cases(actor):
        return Case.objects.none()
    return Case.objects.restrict(actor, "view")


def case_for(actor: Any, pk: int) -> Case:
    case = cases_for(actor).select_related("person", "infected_by", "root").filter(pk=pk).first()
    if case is None:
        raise NotFound()
    return case


def _require_classifier(actor: Any, person: Person) -> None:
    if not person.in_scope(actor, "view"):
        raise NotFound()
    if not classifies(actor):
        raise DomainError("case.not_cdc", _("Only CDC staff classify cases."))


@dataclass
class CaseSpec:
    classification: str = Classification.SUSPECTED
    source: str = CaseSource.LOCAL
    onset_date: dt.date | None = None
    sampling_date: dt.date | None = None
    report_date: dt.date | None = None
    diagnosis_date: dt.date | None = None
    institution: str = ""
    severity: str = ""
    outcome: str = ""
    outcome_date: dt.date | None = None
    note: str = ""


EDITABLE = (
    "source",
    "onset_date",
    "sampling_date",
    "report_date",
    "diagnosis_date",
    "institution",
    "severity",
    "outcome",
    "outcome_date",
    "note",
)


def check_case_fields(values: dict[str, Any], today: dt.date | None = None) -> dict[str, Any]:
    """The one validator of a case's facts, for the form and the API alike."""
    today = today or timezone.localdate()
    if values.get("source", CaseSource.LOCAL) not in CaseSource.values:
        raise DomainError("case.bad_source", _("Choose where the case came from."), "source")
    if values.get("severity", "") not in Severity.values:
        raise DomainError("case.bad_severity", _("Choose a severity."), "severity")
    if values.get("outcome", "") not in Outcome.values:
        raise DomainError("case.bad_outcome", _("Choose an outcome."), "outcome")
    for name in ("onset_date", "sampling_date", "report_date", "diagnosis_date", "outcome_date"):
        day = values.get(name)
        if day is not None and day > today:
            raise DomainError("case.future_date", _("A date cannot be in the future."), name)
    onset, diagnosis = values.get("onset_date"), values.get("diagnosis_date")
    if onset and diagnosis and diagnosis < onset:
        raise DomainError(
            "case.diagnosis_before_onset", _("Diagnosis cannot come before onset."), "diagnosis_date"
        )
    if values.get("outcome") and not values.get("outcome_date"):
        values["outcome_date"] = today
    for name in ("institution", "note"):
        values[name] = str(values.get(name, "")).strip()[: 100 if name == "institution" else 300]
    return values


def _infector(person: Person) -> Contact | None:
    """The contact record through which the person was exposed: the chain's edge into the new case."""
    return (
        Contact.objects.filter(person=person)
        .exclude(category=ContactCategory.GENERAL)
        .select_related("case")
        .order_by("-last_exposure", "-id")
        .first()
    )


def _record_change(actor: Any, case: Case, before: str, after: str, on: dt.date, note: str) -> None:
    change = ClassificationChange.objects.create(
        case=case,
        from_classification=before,
        to_classification=after,
        on=on,
        at=timezone.now(),
        by=actor if getattr(actor, "is_authenticated", False) else None,
        note=note[:300],
    )
    audit.log_create(actor, change)


def _open(actor: Any, person: Person, spec: CaseSpec, origin: str, sample: Any = None) -> Case:
    if Case.objects.filter(person=person).exists():
        raise DomainError("case.exists", _("This person is already a case."))
    values = check_case_fields({name: getattr(spec, name) for name in EDITABLE})
    today = timezone.localdate()
    infector = _infector(person)
    parent = infector.case if infector is not None else None
    case = Case(
        person=person,
        classification=spec.classification,
        origin=origin,
        sample=sample,
        infected_by=parent,
        root=(parent.root or parent) if parent is not None else None,
        generation=parent.generation + 1 if parent is not None else 1,
        unit_path=person.unit_path,
        grid_id=person.grid_id,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        created_at=timezone.now(),
        **{**values, "report_date": values.get("report_date") or today},
    )
    case.save()
    audit.log_create(actor, case)
    audit.emit("case.opened", case, actor, data={"classification": case.classification, "origin": origin})
    _record_change(actor, case, "", case.classification, today, spec.note)
    if infector is not None:
        Contact.objects.filter(person=person).update(state=ContactState.CASE)
    if case.classification in INFECTED:
        _became_infected(actor, case)
    return case


def _became_infected(actor: Any, case: Case) -> None:
    from hongyixing.cases.services.contacts import upgrade_secondary_contacts

    upgrade_secondary_contacts(actor, case)
    hooks.case_infected(case)


@transaction.atomic
def do_open_case(actor: Any, person: Person, spec: CaseSpec) -> Case:
    """A case by the CDC's decision (a clinical diagnosis, a report from a hospital)."""
    _require_classifier(actor, person)
    if spec.classification not in (
        Classification.SUSPECTED,
        Classification.CONFIRMED,
        Classification.ASYMPTOMATIC,
    ):
        raise DomainError("case.bad_classification", _("A new case is suspected, confirmed or asymptomatic."))
    return _open(actor, person, spec, Origin.DECISION)


@transaction.atomic
def do_propose_from_sample(actor: Any, sample: Any) -> Case:
    """A positive test becomes a proposed case, counted nowhere until the CDC classifies it.

    Safe to call again (from a result import, by hand): the person's existing case is returned."""
    if sample.status != "positive":
        raise DomainError("case.not_positive", _("Only a positive test makes a proposed case."))
    existing = Case.objects.filter(person_id=sample.person_id).first()
    if existing is not None:
        return existing
    sampled = sample.sampled_at.date() if sample.sampled_at else None
    spec = CaseSpec(classification=Classification.PROPOSED, sampling_date=sampled)
    return _open(actor, sample.person, spec, Origin.POSITIVE_TEST, sample=sample)


def _locked(case: Case, expected_version: int | None) -> tuple[Case, dict[str, Any]]:
    locked = Case.objects.select_for_update().get(pk=case.pk)
    if expected_version is not None and locked.version != expected_version:
        raise DomainError("case.stale", _("Someone else changed this record; reload and try again."))
    return locked, audit.snapshot(locked)


@transaction.atomic
def do_classify(
    actor: Any,
    case: Case,
    to: str,
    *,
    on: dt.date | None = None,
    note: str = "",
    expected_version: int | None = None,
) -> Case:
    """Move the classification one step of the state machine (see ``choices.TRANSITIONS``)."""
    _require_classifier(actor, case.person)
    locked, before = _locked(case, expected_version)
    if to not in TRANSITIONS.get(locked.classification, frozenset()):
        raise DomainError(
            "case.bad_transition",
            _("A case classified “%(now)s” cannot become “%(to)s”.")
            % {
                "now": locked.get_classification_display(),
                "to": Classification(to).label if to in Classification.values else to,
            },
            "classification",
        )
    on = on or timezone.localdate()
    if on > timezone.localdate():
        raise DomainError("case.future_date", _("A date cannot be in the future."), "on")
    previous = locked.classification
    locked.classification = to
    if to in (Classification.CONFIRMED, Classification.ASYMPTOMATIC) and locked.diagnosis_date is None:
        locked.diagnosis_date = on
    locked.version += 1
    locked.save()
    audit.log_update(actor, locked, before)
    _record_change(actor, locked, previous, to, on, note)
    audit.emit("case.classified", locked, actor, data={"from": previous, "to": to})
    if to in INFECTED and previous not in INFECTED:
        _became_infected(actor, locked)
    return locked


@transaction.atomic
def do_update_case(actor: Any, case: Case, expected_version: int | None, **changes: Any) -> Case:
    """Dates, institution, severity, outcome, source: CDC staff only, like the classification."""
    _require_classifier(actor, case.person)
    locked, before = _locked(case, expected_version)
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise DomainError("case.bad_field", _("This field cannot be changed here."), sorted(unknown)[0])
    values = check_case_fields({**{n: getattr(locked, n) for n in EDITABLE}, **changes})
    for name, value in values.items():
        setattr(locked, name, value)
    locked.version += 1
    locked.save()
    changed = audit.log_update(actor, locked, before)
    if changed is not None:
        audit.emit(
            "case.updated", locked, actor, data={"fields": sorted(audit.diff(before, audit.snapshot(locked)))}
        )
    return locked
