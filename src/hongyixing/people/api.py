from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from ninja import Router, Schema, Status

from hongyixing.areas.api import HouseholdOut
from hongyixing.areas.models import AdminUnit, Grid, Household
from hongyixing.core.bounds import Key
from hongyixing.core.errors import DomainError, ErrorOut, NotFound
from hongyixing.people import lifecycle, queries, services
from hongyixing.people.models import Person

router = Router(tags=["persons"])


class PhoneOut(Schema):
    kind: str
    masked: str
    is_primary: bool


class PersonOut(Schema):
    id: int
    name: str
    sex: str
    birth_year: int | None  # never the full date: with the mask it would rebuild the ID (ADR 0005)
    document_type: str
    document_masked: str
    household_id: int | None
    relation: str
    residency: str
    domicile_address: str
    current_address: str
    unit_path: str
    grid_id: int | None
    phones: list[PhoneOut]
    status: str
    status_since: dt.date | None
    moved_to: str
    version: int

    @staticmethod
    def resolve_phones(obj: Person) -> list[Any]:
        return list(obj.phones.all())


class SearchOut(Schema):
    kind: str
    results: list[PersonOut]
    next_after: int | None


class PersonIn(Schema):
    name: str
    document_type: str = "resident_id"
    document_number: str = ""
    phones: list[str] = []
    household_id: Key | None = None
    relation: str = ""
    residency: str = "registered"
    domicile_address: str = ""
    current_address: str = ""


class CreatedOut(Schema):
    created: bool
    person: PersonOut


class PersonPatch(Schema):
    """Only the fields sent change; ``phone`` adds a phone, or replaces ``replace_phone_id``'s. The
    document number is read-only; ``birth_date`` is write-only (answers show the year)."""

    version: Key
    name: str | None = None
    sex: str | None = None
    birth_date: str | None = None
    relation: str | None = None
    residency: str | None = None
    domicile_address: str | None = None
    current_address: str | None = None
    phone: str = ""
    replace_phone_id: Key | None = None


class RevealIn(Schema):
    field: str
    reason: str


class RevealOut(Schema):
    field: str
    values: list[str]


@router.get("", response=SearchOut, summary="Search by name prefix, full ID number or phone, within scope")
def search_persons(request: HttpRequest, q: str, after: Key | None = None) -> Any:
    result = queries.search_persons(request.user, q, after=after)
    with_phones = (
        Person.objects.filter(id__in=[p.pk for p in result.persons]).prefetch_related("phones").in_bulk()
    )
    return {
        "kind": result.kind,
        "results": [with_phones[p.pk] for p in result.persons],
        "next_after": result.next_after,
    }


@router.get("/{person_id}", response=PersonOut)
def get_person(request: HttpRequest, person_id: Key) -> Any:
    return get_object_or_404(Person.objects.restrict(request.user).prefetch_related("phones"), pk=person_id)


@router.patch("/{person_id}", response=PersonOut, summary="Change a person's details or add/replace a phone")
def patch_person(request: HttpRequest, person_id: Key, payload: PersonPatch) -> Any:
    person = get_object_or_404(Person.objects.restrict(request.user, "change"), pk=person_id)
    given = payload.model_dump(exclude_unset=True)
    fields = {k: given[k] for k in services.PERSON_EDIT_FIELDS if k in given}
    services.do_edit_person(
        request.user,
        person,
        payload.version,
        phone=payload.phone,
        replace_phone_id=payload.replace_phone_id,
        **fields,
    )
    return Person.objects.prefetch_related("phones").get(pk=person.pk)


@router.post(
    "",
    response={200: CreatedOut, 201: CreatedOut},
    summary="Create a person; an ID number already on file returns the existing person",
)
def create_person(request: HttpRequest, payload: PersonIn) -> Any:
    household = None
    if payload.household_id is not None:
        household = get_object_or_404(
            Household.objects.restrict(request.user, "change"), pk=payload.household_id
        )
    else:
        raise DomainError("person.no_place", _("A person is created in a household."), "household_id")
    person, created = services.register_person(
        request.user,
        services.PersonSpec(
            name=payload.name,
            document_type=payload.document_type,
            document_number=payload.document_number,
            phones=payload.phones,
            household=household,
            relation=payload.relation,
            residency=payload.residency,
            domicile_address=payload.domicile_address,
            current_address=payload.current_address,
        ),
    )
    return Status(201 if created else 200, {"created": created, "person": person})


@router.post(
    "/{person_id}/reveal",
    response={200: RevealOut},
    summary="The audited reveal of a full ID number or phones (needs the reveal permission and a reason)",
)
def reveal(request: HttpRequest, person_id: Key, payload: RevealIn) -> Any:
    person = get_object_or_404(Person.objects.restrict(request.user), pk=person_id)
    values = services.reveal(request.user, person, payload.field, payload.reason)
    return {"field": payload.field, "values": values}


# --- The register's changes (people/lifecycle.py): the same services as the pages. ---

CHANGE_ERRORS: dict[int, Any] = {400: ErrorOut, 404: ErrorOut, 409: ErrorOut}


class ChangeIn(Schema):
    on: dt.date
    note: str = ""
    version: Key | None = None


class MoveAwayIn(ChangeIn):
    destination: str


class JoinIn(ChangeIn):
    household_id: Key
    relation: str = ""


class HouseholdMoveIn(ChangeIn):
    unit_path: str = ""
    grid_id: Key | None = None


def _changeable(request: HttpRequest, person_id: int) -> Person:
    return get_object_or_404(Person.objects.restrict(request.user, "change"), pk=person_id)


def _with_phones(person: Person) -> Person:
    return Person.objects.prefetch_related("phones").get(pk=person.pk)


@router.post(
    "/{person_id}/death",
    response={200: PersonOut, **CHANGE_ERRORS},
    summary="Record a death: open tasks close, an active measure ends early, the team is told",
)
def record_death(request: HttpRequest, person_id: Key, payload: ChangeIn) -> Any:
    person = _changeable(request, person_id)
    return _with_phones(
        lifecycle.do_record_death(request.user, person, payload.on, payload.note, payload.version)
    )


@router.post(
    "/{person_id}/move-away",
    response={200: PersonOut, **CHANGE_ERRORS},
    summary="Record a move out of the district (refused while a control measure is active)",
)
def record_move_away(request: HttpRequest, person_id: Key, payload: MoveAwayIn) -> Any:
    person = _changeable(request, person_id)
    return _with_phones(
        lifecycle.do_record_move_away(
            request.user, person, payload.on, payload.destination, payload.note, payload.version
        )
    )


def _household(request: HttpRequest, household_id: int) -> Household:
    return get_object_or_404(Household.objects.restrict(request.user, "change"), pk=household_id)


@router.post(
    "/{person_id}/move-in",
    response={200: PersonOut, **CHANGE_ERRORS},
    summary="Record the return of a person who had moved away, into a household",
)
def record_move_in(request: HttpRequest, person_id: Key, payload: JoinIn) -> Any:
    person = _changeable(request, person_id)
    household = _household(request, payload.household_id)
    return _with_phones(
        lifecycle.do_record_move_in(
            request.user, person, household, payload.on, payload.note, payload.relation, payload.version
        )
    )


@router.post(
    "/{person_id}/household",
    response={200: PersonOut, **CHANGE_ERRORS},
    summary="Move a resident to another household of the district",
)
def change_household(request: HttpRequest, person_id: Key, payload: JoinIn) -> Any:
    person = _changeable(request, person_id)
    household = _household(request, payload.household_id)
    return _with_phones(
        lifecycle.do_move_person(
            request.user, person, household, payload.on, payload.note, payload.relation, payload.version
        )
    )


@router.post(
    "/households/{household_id}/move",
    response={200: HouseholdOut, **CHANGE_ERRORS},
    summary="Move a whole household to another building/group (unit_path) or grid (grid_id)",
)
def move_household(request: HttpRequest, household_id: Key, payload: HouseholdMoveIn) -> Any:
    household = _household(request, household_id)
    target: AdminUnit | Grid | None = None
    if payload.unit_path:
        target = AdminUnit.objects.filter(path=payload.unit_path).first()
    elif payload.grid_id is not None:
        target = Grid.objects.filter(pk=payload.grid_id).first()
    else:
        raise DomainError("household.no_target", _("Choose where the household moves to."), "unit_path")
    if target is None:
        raise NotFound()
    return lifecycle.do_move_household(
        request.user, household, target, payload.on, payload.note, payload.version
    )
