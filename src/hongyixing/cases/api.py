"""The cases API: cases, their investigation, contacts and chains — scoped and masked like the pages.

Refusals are ``DomainError`` (400, 404 for out of scope) mapped by the API's handler. The contacts a
user looks after (``/cases/contacts/mine``) never carry the index case."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status

from hongyixing.cases import chain, queries, services
from hongyixing.cases.models import Case, Contact
from hongyixing.core.bounds import Key
from hongyixing.core.errors import ErrorOut, NotFound
from hongyixing.people.models import Person

router = Router(tags=["cases"])
ERRORS: dict[int, Any] = {400: ErrorOut, 404: ErrorOut}


class CaseOut(Schema):
    id: int
    person_id: Key
    name: str
    classification: str
    source: str
    origin: str
    onset_date: dt.date | None
    report_date: dt.date
    diagnosis_date: dt.date | None
    institution: str
    severity: str
    outcome: str
    generation: int
    infected_by_id: int | None
    root_id: int | None
    version: Key


class CaseIn(Schema):
    person_id: Key
    classification: str = "suspected"
    source: str = "local"
    onset_date: dt.date | None = None
    sampling_date: dt.date | None = None
    diagnosis_date: dt.date | None = None
    institution: str = ""
    severity: str = ""
    note: str = ""


class ClassifyIn(Schema):
    to: str
    on: dt.date | None = None
    note: str = ""
    version: Key | None = None


class EntryIn(Schema):
    date: dt.date
    start_time: dt.time
    end_time: dt.time
    place: str
    address: str = ""
    activity: str = ""
    companions: str = ""


class EntryOut(Schema):
    id: int
    date: dt.date
    start_time: dt.time
    end_time: dt.time
    place: str
    address: str
    unit_path: str
    outside_district: bool
    activity: str
    companions: str


class ContactIn(Schema):
    name: str = ""
    id_number: str = ""
    phone: str = ""
    address: str = ""
    relation: str = "other"
    exposure_mode: str = "other"
    last_exposure: dt.date
    entry_id: int | None = None
    via_id: int | None = None
    person_id: Key | None = None


class ContactOut(Schema):
    id: int
    person_id: Key
    name: str
    document_masked: str
    relation: str
    exposure_mode: str
    last_exposure: dt.date
    category: str
    state: str
    via_id: int | None
    task_id: int | None
    measure_id: int | None
    forward_district: str


class CareOut(Schema):
    """A contact as the person's grid sees it: that they are a contact, never whose."""

    id: int
    person_id: Key
    name: str
    category: str
    state: str
    last_exposure: dt.date
    measure_id: int | None
    task_id: int | None


class InvestigationOut(Schema):
    case_id: Key
    itinerary: list[EntryOut]
    contacts: list[ContactOut]


class JudgeIn(Schema):
    contacts: list[int]
    category: str
    action: str


class JudgeOut(Schema):
    judged: int
    tasks: int
    measures: int
    forwarded: int
    unchanged: int
    skipped: list[dict[str, Any]]


class NodeOut(Schema):
    id: str
    label: str
    kind: str
    generation: int
    parent: str | None
    onset: dt.date | None
    person_id: Key


def _case(c: Case) -> dict[str, Any]:
    return {
        **{f: getattr(c, f) for f in CaseOut.model_fields if f not in ("name",)},
        "name": c.person.name,
    }


def _contact(k: Contact) -> dict[str, Any]:
    return {
        **{f: getattr(k, f) for f in ContactOut.model_fields if f not in ("name", "document_masked")},
        "name": k.person.name,
        "document_masked": k.person.document_masked,
    }


@router.get("", response=list[CaseOut], summary="Cases of my area (CDC and the district office)")
def list_cases(request: HttpRequest, classification: str = "", limit: Key = 200) -> Any:
    cases = services.cases_for(request.user).select_related("person").order_by("-report_date", "-id")
    if classification:
        cases = cases.filter(classification=classification)
    return [_case(c) for c in cases[: max(1, min(limit, 1000))]]


@router.post("", response={201: CaseOut, **ERRORS}, summary="Open a case by a CDC decision")
def open_case(request: HttpRequest, payload: CaseIn) -> Any:
    person = Person.objects.restrict(request.user, "view").filter(pk=payload.person_id).first()
    if person is None or not services.reads_cases(request.user):
        raise NotFound()
    values = payload.dict(exclude={"person_id"})
    case = services.do_open_case(request.user, person, services.CaseSpec(**values))
    return Status(201, _case(case))


@router.get("/contacts/mine", response=list[CareOut], summary="Contacts I look after (no index case)")
def my_contacts(request: HttpRequest, limit: Key = 200) -> Any:
    return [
        {
            "id": k.pk,
            "person_id": k.person_id,
            "name": k.person.name,
            "category": k.category,
            "state": k.state,
            "last_exposure": k.last_exposure,
            "measure_id": k.measure_id,
            "task_id": k.task_id,
        }
        for k in queries.contacts_in_care(request.user)[: max(1, min(limit, 1000))]
    ]


@router.get("/{case_id}", response={200: CaseOut, 404: ErrorOut})
def get_case(request: HttpRequest, case_id: Key) -> Any:
    return _case(services.case_for(request.user, case_id))


@router.post("/{case_id}/classify", response={200: CaseOut, **ERRORS}, summary="Move the classification")
def classify(request: HttpRequest, case_id: Key, payload: ClassifyIn) -> Any:
    case = services.case_for(request.user, case_id)
    case = services.do_classify(
        request.user, case, payload.to, on=payload.on, note=payload.note, expected_version=payload.version
    )
    return _case(case)


@router.get("/{case_id}/investigation", response={200: InvestigationOut, 404: ErrorOut})
def investigation(request: HttpRequest, case_id: Key) -> Any:
    case = services.case_for(request.user, case_id)
    return {
        "case_id": case.pk,
        "itinerary": list(case.itinerary.order_by("date", "start_time")),
        "contacts": [_contact(k) for k in case.contacts.select_related("person").order_by("id")],
    }


@router.post(
    "/{case_id}/itinerary", response={201: EntryOut, **ERRORS}, summary="Add a place to the itinerary"
)
def add_entry(request: HttpRequest, case_id: Key, payload: EntryIn) -> Any:
    case = services.case_for(request.user, case_id)
    return Status(201, services.do_add_entry(request.user, case, services.EntrySpec(**payload.dict())))


@router.post(
    "/{case_id}/contacts", response={201: list[ContactOut], **ERRORS}, summary="Record contacts found"
)
def add_contacts(request: HttpRequest, case_id: Key, payload: list[ContactIn]) -> Any:
    case = services.case_for(request.user, case_id)
    found = services.do_add_contacts(request.user, case, [services.ContactSpec(**c.dict()) for c in payload])
    return Status(201, [_contact(k) for k in found])


@router.post(
    "/{case_id}/contacts/judge",
    response={200: JudgeOut, **ERRORS},
    summary="Judge contacts (close / secondary / general) and open tasks or measures, in bulk",
)
def judge(request: HttpRequest, case_id: Key, payload: JudgeIn) -> Any:
    case = services.case_for(request.user, case_id)
    return services.do_judge_contacts(
        request.user, case, payload.contacts, payload.category, payload.action
    ).as_dict()


@router.get("/{case_id}/chain", response={200: list[NodeOut], 404: ErrorOut}, summary="The case's chain")
def get_chain(request: HttpRequest, case_id: Key) -> Any:
    case = services.case_for(request.user, case_id)
    nodes = queries.chain_nodes(queries.chain_root(case), services.cases_for(request.user))
    return [n.__dict__ for n in chain.ordered(nodes)]
