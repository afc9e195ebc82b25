"""The flow investigation's writes: itinerary, contacts found, and the CDC's judgment turned into work.

Contacts are linked to known residents exactly as push lists are (verification's linking), others are
created through people's services; tasks go through verification's services, measures through
control's. Nothing here bypasses those apps' rules or audit.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hongyixing.areas.models import AdminUnit
from hongyixing.cases import hooks
from hongyixing.cases.choices import (
    ContactAction,
    ContactCategory,
    ContactState,
    ExposureMode,
    Relation,
)
from hongyixing.cases.models import Case, Contact, ItineraryEntry
from hongyixing.cases.services.cases import _require_classifier
from hongyixing.control import services as control_services
from hongyixing.core import audit
from hongyixing.core.errors import DomainError
from hongyixing.people.choices import Residency
from hongyixing.people.models import Person
from hongyixing.people.services import PersonSpec, create_person
from hongyixing.rules.models import MeasureRule
from hongyixing.verification import linking
from hongyixing.verification import services as verification_services

DISTRICT_PATH = "320813"
INVESTIGATION_SOURCE = "flow-investigation"
ITINERARY_DAYS = 14
# Contact category → the category name the rules, measures and verification tasks use.
RULE_CATEGORY = {
    ContactCategory.CLOSE: "close_contact",
    ContactCategory.SECONDARY: "secondary_contact",
    ContactCategory.GENERAL: "general",
}
GENERAL_CONTACT_MEASURE = "health_monitoring"


def _route(address: str) -> Any:
    from hongyixing.areas.gazetteer import route

    return route(address) if address.strip() else None


def _district_of(routing: Any) -> str:
    parsed = getattr(routing, "parsed", None)
    if parsed is None:
        return ""
    return str(parsed.district or parsed.city or parsed.outside or parsed.province)[:60]


# ---------------------------------------------------------------------------------------------
# Itinerary


@dataclass
class EntrySpec:
    date: dt.date
    start_time: dt.time
    end_time: dt.time
    place: str
    address: str = ""
    activity: str = ""
    companions: str = ""


def check_entry(case: Case, spec: EntrySpec) -> EntrySpec:
    """The one validator of an itinerary entry (form and API)."""
    spec.place = spec.place.strip()[:100]
    if not spec.place:
        raise DomainError("entry.no_place", _("Name the place."), "place")
    if spec.end_time <= spec.start_time:
        raise DomainError("entry.bad_span", _("The end time must be after the start time."), "end_time")
    if spec.date > timezone.localdate():
        raise DomainError("entry.future", _("A date cannot be in the future."), "date")
    if case.onset_date is not None and not (
        case.onset_date - dt.timedelta(days=ITINERARY_DAYS) <= spec.date <= case.onset_date
    ):
        raise DomainError("entry.outside_window", _("The itinerary covers the 14 days before onset."), "date")
    spec.address, spec.activity = spec.address.strip()[:200], spec.activity.strip()[:100]
    spec.companions = spec.companions.strip()[:200]
    return spec


@transaction.atomic
def do_add_entry(actor: Any, case: Case, spec: EntrySpec) -> ItineraryEntry:
    _require_classifier(actor, case.person)
    check_entry(case, spec)
    routing = _route(spec.address)
    entry = ItineraryEntry.objects.create(
        case=case,
        date=spec.date,
        start_time=spec.start_time,
        end_time=spec.end_time,
        place=spec.place,
        place_key="".join(spec.place.split()),
        address=spec.address,
        unit_path=(routing.unit_path or "") if routing else "",
        grid_id=routing.grid_id if routing else None,
        outside_district=bool(routing and routing.outside_district),
        activity=spec.activity,
        companions=spec.companions,
        created_at=timezone.now(),
    )
    audit.log_create(actor, entry)
    audit.emit("case.itinerary_added", case, actor, data={"entry": entry.pk, "date": spec.date.isoformat()})
    return entry


# ---------------------------------------------------------------------------------------------
# Contacts found


@dataclass
class ContactSpec:
    name: str = ""
    id_number: str = ""
    phone: str = ""
    address: str = ""
    relation: str = Relation.OTHER
    exposure_mode: str = ExposureMode.OTHER
    last_exposure: dt.date | None = None
    entry_id: int | None = None
    via_id: int | None = None  # the close contact a secondary contact was exposed to
    person_id: int | None = None  # a resident picked directly


def check_contact(case: Case, spec: ContactSpec) -> ContactSpec:
    """The one validator of a contact found (form and API)."""
    spec.name = "".join(spec.name.split())[:60]
    if spec.person_id is None and not spec.name:
        raise DomainError("contact.no_name", _("A contact needs a name."), "name")
    if spec.relation not in Relation.values:
        raise DomainError("contact.bad_relation", _("Choose a relation."), "relation")
    if spec.exposure_mode not in ExposureMode.values:
        raise DomainError("contact.bad_mode", _("Choose how they were exposed."), "exposure_mode")
    if spec.last_exposure is None:
        raise DomainError("contact.no_exposure", _("Give the date of the last exposure."), "last_exposure")
    if spec.last_exposure > timezone.localdate():
        raise DomainError("contact.future", _("A date cannot be in the future."), "last_exposure")
    if spec.entry_id is not None and not case.itinerary.filter(pk=spec.entry_id).exists():
        raise DomainError("contact.bad_entry", _("Choose a place of this case's itinerary."), "entry_id")
    if spec.via_id is not None and not case.contacts.filter(pk=spec.via_id).exists():
        raise DomainError("contact.bad_via", _("Choose a contact of this case."), "via_id")
    return spec


def _persons_for(actor: Any, specs: list[ContactSpec]) -> list[tuple[Person, Any]]:
    """Each spec's person (linked, picked or created) and the routing of its address (or None)."""
    candidates = [
        linking.prepare(n, {"name": s.name, "id_number": s.id_number, "phone": s.phone, "address": s.address})
        for n, s in enumerate(specs)
    ]
    linking.link([c for c, s in zip(candidates, specs, strict=True) if s.person_id is None])
    picked = Person.objects.in_bulk([s.person_id for s in specs if s.person_id is not None])
    linked = Person.objects.in_bulk([c.person_id for c in candidates if c.person_id is not None])
    result: list[tuple[Person, Any]] = []
    for spec, candidate in zip(specs, candidates, strict=True):
        if spec.person_id is not None:
            person = picked.get(spec.person_id)
            if person is None:
                raise DomainError("contact.no_person", _("This person does not exist."), "person_id")
            result.append((person, None))
            continue
        if candidate.person_id is not None:
            result.append((linked[candidate.person_id], None))
            continue
        routing = _route(spec.address)
        unit = None
        if routing is not None and routing.unit_path and not routing.outside_district:
            unit = AdminUnit.objects.filter(path=routing.unit_path).first()
        person, _created = create_person(
            actor,
            PersonSpec(
                name=spec.name,
                document_number=candidate.id_number,
                phones=[spec.phone] if candidate.phone_index else [],
                unit=unit,
                residency=Residency.FLOATING if unit is None else Residency.REGISTERED,
                current_address=spec.address,
            ),
        )
        result.append((person, routing))
    return result


@transaction.atomic
def do_add_contacts(actor: Any, case: Case, specs: list[ContactSpec]) -> list[Contact]:
    """Record the contacts found; a person already listed for this case is returned, not doubled."""
    _require_classifier(actor, case.person)
    for spec in specs:
        check_contact(case, spec)
    found: list[Contact] = []
    for spec, (person, routing) in zip(specs, _persons_for(actor, specs), strict=True):
        if person.pk == case.person_id:
            raise DomainError("contact.is_case", _("A case is not their own contact."), "name")
        existing = Contact.objects.filter(case=case, person=person).first()
        if existing is not None:
            found.append(existing)
            continue
        # Only a person new to the registry is routed by address; a known resident lives where registered.
        outside = bool(routing is not None and routing.outside_district)
        contact = Contact.objects.create(
            case=case,
            person=person,
            via_id=spec.via_id,
            entry_id=spec.entry_id,
            relation=spec.relation,
            exposure_mode=spec.exposure_mode,
            last_exposure=spec.last_exposure or timezone.localdate(),  # checked above
            address=spec.address[:200],
            outside_district=outside,
            forward_district=_district_of(routing) if outside else "",
            unit_path=person.unit_path,
            grid_id=person.grid_id,
            created_at=timezone.now(),
        )
        audit.log_create(actor, contact)
        # The contact's timeline says they are a contact, never whose.
        audit.emit("contact.found", contact, actor, data={"last_exposure": contact.last_exposure.isoformat()})
        found.append(contact)
    return found


# ---------------------------------------------------------------------------------------------
# Judgment → tasks, measures, forwarding


def category_in_force(category: str, on: dt.date) -> bool:
    """Whether the rules know the category on that day (次密接 ends 2022-11-11)."""
    if category == ContactCategory.GENERAL:
        return True
    in_force = Q(valid_from__lte=on) & (Q(valid_to__isnull=True) | Q(valid_to__gt=on))
    return MeasureRule.objects.filter(in_force, category=RULE_CATEGORY[ContactCategory(category)]).exists()


def measure_type_for(category: str, on: dt.date) -> str:
    if category == ContactCategory.GENERAL:
        return GENERAL_CONTACT_MEASURE
    in_force = Q(valid_from__lte=on) & (Q(valid_to__isnull=True) | Q(valid_to__gt=on))
    rule = (
        MeasureRule.objects.filter(in_force, category=RULE_CATEGORY[ContactCategory(category)])
        .order_by("valid_from", "id")
        .first()
    )
    if rule is None:
        raise DomainError("contact.no_rule", _("No rule is in force for this category on that date."))
    return rule.measure_type


@dataclass
class JudgeResult:
    judged: int = 0
    tasks: int = 0
    measures: int = 0
    forwarded: int = 0
    unchanged: int = 0
    skipped: list[tuple[int, Any]] = field(default_factory=list)  # (contact, lazy message)

    def as_dict(self) -> dict[str, Any]:
        return {
            "judged": self.judged,
            "tasks": self.tasks,
            "measures": self.measures,
            "forwarded": self.forwarded,
            "unchanged": self.unchanged,
            "skipped": [{"contact": pk, "reason": str(reason)} for pk, reason in self.skipped],
        }


def _source() -> Any:
    from hongyixing.verification.models import PushSource

    return PushSource.objects.get(code=INVESTIGATION_SOURCE)


def _act(actor: Any, contact: Contact, action: str, result: JudgeResult, source: Any) -> None:
    person = contact.person
    if contact.outside_district:
        if contact.state != ContactState.FORWARDED:
            contact.state = ContactState.FORWARDED
            result.forwarded += 1
        else:
            result.unchanged += 1
        return
    reason = _("Contact found by a flow investigation")
    if action == ContactAction.TASK:
        if contact.task_id is not None:
            result.unchanged += 1
            return
        if person.grid_id is None:
            result.skipped.append((contact.pk, _("The person has no registered grid; route them first.")))
            return
        category = "close_contact" if contact.category == ContactCategory.CLOSE else "general"
        task, _created = verification_services.do_create_task_for_person(
            actor, person, source, reason=str(reason), category=category
        )
        contact.task = task
        if contact.state == ContactState.FOUND:
            contact.state = ContactState.TASKED
        result.tasks += 1
        return
    if contact.measure_id is not None:
        result.unchanged += 1
        return
    active = person.measures.filter(state="active").first()
    if active is None:
        spec = control_services.MeasureSpec(
            type=measure_type_for(contact.category, contact.last_exposure),
            source="contact",
            category=RULE_CATEGORY[ContactCategory(contact.category)],
            reason=str(reason),
            last_exposure=contact.last_exposure,
        )
        try:
            active = control_services.do_open_measure(actor, person, spec)
        except Http404:
            result.skipped.append((contact.pk, _("The person lives outside your area.")))
            return
        except ValueError as error:  # the control app's refusal, with its own message
            result.skipped.append((contact.pk, getattr(error, "message", str(error))))
            return
        result.measures += 1
    else:
        result.unchanged += 1
    contact.measure = active
    contact.state = ContactState.MANAGED


@transaction.atomic
def do_judge_contacts(
    actor: Any, case: Case, contact_ids: list[int], category: str, action: str
) -> JudgeResult:
    """The CDC's judgment, in one step for many contacts: category, then a task or a measure each
    (out-of-district contacts go to the forwarding list). Running it twice changes nothing."""
    _require_classifier(actor, case.person)
    if category not in (ContactCategory.CLOSE, ContactCategory.SECONDARY, ContactCategory.GENERAL):
        raise DomainError(
            "contact.bad_category", _("Choose close, secondary or general contact."), "category"
        )
    if action not in ContactAction.values:
        raise DomainError("contact.bad_action", _("Choose tasks or measures."), "action")
    contacts = list(
        Contact.objects.select_for_update()
        .filter(case=case, pk__in=contact_ids)
        .exclude(state=ContactState.CASE)
        .order_by("id")
    )
    if not contacts:
        raise DomainError("contact.none_chosen", _("Choose at least one contact."), "contacts")
    persons = Person.objects.in_bulk([c.person_id for c in contacts])
    result = JudgeResult()
    source = _source()
    actioned: list[Contact] = []
    for contact in contacts:
        contact.person = persons[contact.person_id]
        if category == ContactCategory.SECONDARY and not category_in_force(category, contact.last_exposure):
            result.skipped.append(
                (contact.pk, _("Secondary contacts are no longer determined on that date."))
            )
            continue
        before = audit.snapshot(contact)
        if contact.category != category:
            if contact.measure_id is not None or contact.task_id is not None:
                result.skipped.append(
                    (contact.pk, _("Already turned into work; its category changes only by upgrade."))
                )
                continue
            contact.category = category
            contact.judged_by = actor if getattr(actor, "is_authenticated", False) else None
            contact.judged_at = timezone.now()
            result.judged += 1
        _act(actor, contact, action, result, source)
        contact.version += 1
        contact.save()
        if audit.log_update(actor, contact, before) is not None:
            audit.emit("contact.judged", contact, actor, data={"category": category, "state": contact.state})
            actioned.append(contact)
    hooks.contacts_actioned(actioned)
    return result


def upgrade_secondary_contacts(actor: Any, case: Case) -> list[Contact]:
    """A close contact became a case: their secondary contacts become the new case's close contacts,
    and a secondary-contact measure is ended and reopened under the close-contact rule from the same
    last exposure (the period is recomputed, never stretched by hand)."""
    upgraded: list[Contact] = []
    secondaries = (
        Contact.objects.select_for_update(of=("self",))
        .filter(via__person_id=case.person_id, category=ContactCategory.SECONDARY)
        .select_related("person", "measure")
        .order_by("id")
    )
    for contact in secondaries:
        before = audit.snapshot(contact)
        contact.category = ContactCategory.CLOSE
        if not Contact.objects.filter(case=case, person_id=contact.person_id).exists():
            contact.case = case
        measure = contact.measure
        if measure is not None and measure.state == "active" and measure.category == "secondary_contact":
            reason = str(_("Upgraded to close contact: their contact became a case"))
            control_services.do_end_early(actor, measure, reason)
            contact.measure = control_services.do_open_measure(
                actor,
                contact.person,
                control_services.MeasureSpec(
                    type=measure_type_for(ContactCategory.CLOSE, contact.last_exposure),
                    source="contact",
                    category="close_contact",
                    reason=reason,
                    last_exposure=contact.last_exposure,
                ),
            )
        contact.version += 1
        contact.save()
        audit.log_update(actor, contact, before)
        audit.emit("contact.upgraded", contact, actor, data={"category": ContactCategory.CLOSE})
        upgraded.append(contact)
    return upgraded


def counts_by_state(contacts: Any) -> dict[str, int]:
    return dict(Counter(contacts.values_list("state", flat=True)))
