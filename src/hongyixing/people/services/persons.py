"""One person: sealing and indexing documents and phones, the one validator (`_prepare_row`), create,
update, reveal and the recount."""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any, TypeVar

from django.db import IntegrityError, models, transaction
from django.db.models import F
from django.http import Http404
from django.utils.translation import gettext as _

from hongyixing.areas.models import AdminUnit, Grid, Household
from hongyixing.areas.services import bump_counts
from hongyixing.core import audit, phones
from hongyixing.core.bulk import update_fields
from hongyixing.core.crypto import Sealed, blind_index, seal, unseal
from hongyixing.core.errors import DomainError
from hongyixing.core.masking import mask_id_number, mask_phone
from hongyixing.core.models import PiiAccessKind
from hongyixing.people import idnumbers
from hongyixing.people.choices import DocumentType, PhoneKind, Relation, Residency, Sex
from hongyixing.people.counts import raw_counts
from hongyixing.people.models import Person, PersonPhone

# Choices' ``values`` are rebuilt on every access: read once for the bulk paths.
_DOCUMENT_TYPES = frozenset(DocumentType.values)
_RELATIONS = frozenset(Relation.values)
_RESIDENCIES = frozenset(Residency.values)


@dataclass
class SealedDocument:
    document_type: str
    sealed: Sealed
    birth_date: dt.date | None = None
    sex: str = Sex.UNKNOWN
    area_code: str = ""


def seal_document(document_type: str, raw: str, parsed: idnumbers.IdNumber | None = None) -> SealedDocument:
    """``parsed``: the resident ID number already parsed from ``raw`` (a bulk loader's own check)."""
    if document_type not in _DOCUMENT_TYPES:
        raise DomainError("document.bad_type", _("Unknown document type."), "document_type")
    if document_type == DocumentType.RESIDENT_ID:
        if parsed is None or parsed.number != raw:
            try:
                parsed = idnumbers.parse(raw)
            except idnumbers.IdNumberError as error:
                raise DomainError(error.code, error.message, "document_number") from error
        number = parsed.number
        return SealedDocument(
            document_type,
            Sealed(seal(number), blind_index("id", number), mask_id_number(number)),
            birth_date=parsed.birth_date,
            sex=parsed.sex,
            area_code=parsed.area_code,
        )
    number = idnumbers.normalise_document(raw)
    if len(number) < 5:
        raise DomainError("document.too_short", _("The document number is too short."), "document_number")
    return SealedDocument(
        document_type, Sealed(seal(number), blind_index(document_type, number), mask_id_number(number))
    )


def document_index(document_type: str, raw: str) -> str | None:
    """The blind index a raw document number would have, or None if it cannot be valid."""
    try:
        return seal_document(document_type, raw).sealed.index
    except DomainError:
        return None


def seal_phone(raw: str) -> tuple[str, Sealed]:
    try:
        number = phones.normalise(raw)
    except phones.PhoneError as error:
        raise DomainError(error.code, error.message, "phone") from error
    kind = PhoneKind.MOBILE if phones.is_mobile(number) else PhoneKind.LANDLINE
    return kind, Sealed(seal(number), blind_index("phone", number), mask_phone(number))


def phone_index(raw: str) -> str | None:
    try:
        return blind_index("phone", phones.normalise(raw))
    except phones.PhoneError:
        return None


@dataclass(slots=True)
class PersonSpec:
    """What is needed to create a person (already-validated values where noted)."""

    name: str
    document_number: str = ""
    document_type: str = DocumentType.RESIDENT_ID
    phones: Sequence[str] = field(default_factory=list)
    sex: str = ""
    birth_date: dt.date | None = None
    household: Household | None = None
    unit: AdminUnit | None = None
    relation: str = ""
    residency: str = "registered"
    domicile_address: str = ""
    current_address: str = ""
    # The resident ID number as the loader already parsed it (``document_number`` is its number).
    parsed_id: idnumbers.IdNumber | None = None


@dataclass
class PreparedPerson:
    person: Person
    phones: list[PersonPhone]


def _has_control_characters(text: str) -> bool:
    """Control, format, private-use and unassigned characters (category C) except ordinary spaces:
    they hide text on a page, break exports and make two names look the same."""
    if text.isprintable():  # the common case, in C: no character of category C (nor Z but spaces)
        return False
    return any(unicodedata.category(char).startswith("C") and char not in "\t\n\r" for char in text)


def _prepare(spec: PersonSpec) -> PreparedPerson:
    """:func:`_prepare_row`'s checks and values, as unsaved model objects (the one-person path)."""
    row = _prepare_row(spec)
    place_row(row)
    values = dict(row.values)
    if spec.household is not None:
        values["household_id"] = spec.household.pk
    person = _new(Person, **values)
    if spec.household is not None and spec.household.pk is None:
        person.household = spec.household  # not saved yet: the relation resolves its id on save
    phone_rows = [
        _new(
            PersonPhone,
            kind=kind,
            ciphertext=sealed.ciphertext,
            index=sealed.index,
            masked=sealed.masked,
            is_primary=primary,
        )
        for kind, sealed, primary in row.phones
    ]
    return PreparedPerson(person, phone_rows)


_M = TypeVar("_M", Person, PersonPhone)


@cache
def _field_defaults(model: type[models.Model]) -> tuple[tuple[str, Any], ...]:
    return tuple((f.attname, None if f.primary_key else f.get_default()) for f in model._meta.concrete_fields)


def _new(model: type[_M], **values: Any) -> _M:
    """``model(**values)`` through Django's positional fast path (a third of the time; a bulk load makes
    hundreds of thousands). Fields not given take their (immutable) defaults; related objects are not
    cached, so pass attnames (``household_id``) or assign the relation afterwards."""
    args = [values.pop(name) if name in values else default for name, default in _field_defaults(model)]
    if values:
        raise TypeError(f"{model.__name__} has no fields {sorted(values)}")
    return model(*args)


def find_by_document(document_type: str, raw: str) -> Person | None:
    """Unscoped identity lookup for services; faces must still restrict what they show."""
    index = document_index(document_type, raw)
    if index is None:
        return None
    return Person.objects.filter(document_type=document_type, document_index=index).first()


def create_person(actor: Any, spec: PersonSpec) -> tuple[Person, bool]:
    """Validate and create; an ID number already on file returns the existing person instead."""
    prepared = _prepare(spec)
    if prepared.person.document_index:
        existing = Person.objects.filter(
            document_type=prepared.person.document_type, document_index=prepared.person.document_index
        ).first()
        if existing is not None:
            return existing, False
    try:
        return do_create_person(actor, prepared), True
    except IntegrityError:
        # Another request created the same ID between our lookup and insert.
        existing = Person.objects.filter(
            document_type=prepared.person.document_type, document_index=prepared.person.document_index
        ).first()
        if existing is None:
            raise
        return existing, False


# The one answer to a registration this office may not make, whatever the reason (an ID on file in
# another jurisdiction is the case that matters: the answer must not confirm it exists).
REFUSED_REGISTRATION = {
    "code": "person.not_registered",
    "detail": "This person cannot be registered here. Ask the district office.",
    "field": "",
}


@transaction.atomic
def record_refused_registration(actor: Any, existing: Person) -> None:
    """The district sees who tried to register a resident outside their jurisdiction (and how often)."""
    audit.emit("person.registration_refused", existing, actor, data={"by": getattr(actor, "pk", None)})


NAME_LIMIT = 60  # the columns' lengths: what a person types is refused past them, never cut
ADDRESS_LIMIT = 200


def refuse_too_long(field_name: str, text: str, limit: int) -> None:
    """The one length check of a typed name or address (the edit and the registration by hand)."""
    if len(text) > limit:
        raise DomainError("text.too_long", _("At most %(n)s characters.") % {"n": limit}, field_name)


def register_person(actor: Any, spec: PersonSpec) -> tuple[Person, bool]:
    """A person registered by hand (the household page's form, ``POST /api/persons``): created, or the
    one already on file with that ID number when the actor may see them. An ID on file outside the
    actor's jurisdiction gets the one refusal that names no place and no reason, and the attempt is
    recorded for the district office: the answer must not confirm that the person exists."""
    refuse_too_long("name", "".join(spec.name.split()), NAME_LIMIT)
    for field_name in ("domicile_address", "current_address"):
        refuse_too_long(field_name, " ".join(getattr(spec, field_name).split()), ADDRESS_LIMIT)
    person, created = create_person(actor, spec)
    if not created and not person.in_scope(actor):
        record_refused_registration(actor, person)
        # zh: 无法在此登记此人，请联系区指挥部。
        raise DomainError(
            REFUSED_REGISTRATION["code"], _("This person cannot be registered here. Ask the district office.")
        )
    return person, created


@transaction.atomic
def do_create_person(actor: Any, prepared: PreparedPerson) -> Person:
    person = prepared.person
    person.save()
    for phone in prepared.phones:
        phone.person = person
        phone.save()
    bump_counts(person.unit_path, person.grid_id, persons=1)
    if person.household_id:
        Household.objects.filter(pk=person.household_id).update(person_count=F("person_count") + 1)
    audit.log_create(actor, person)
    for phone in prepared.phones:
        audit.log_create(actor, phone)
    audit.emit("person.created", person, actor)
    return person


@dataclass(slots=True)
class PersonRow:
    """A person checked, sealed and indexed, as column values: what the bulk path writes.

    Its unit path and grid come from its household or unit when it is written (``place_row``): a new
    household has them only once it is saved."""

    values: dict[str, Any]  # attname → Python value, every concrete field but the id
    household: Household | None
    unit: AdminUnit | None
    phones: list[tuple[str, Sealed, bool]]  # (kind, sealed, is_primary)


def place_row(row: PersonRow) -> None:
    if row.household is not None:
        row.values["unit_path"] = row.household.unit_path
        row.values["grid_id"] = row.household.grid_id
    elif row.unit is not None:
        row.values["unit_path"] = row.unit.path
        row.values["grid_id"] = row.unit.grid_id


def _prepare_row(spec: PersonSpec) -> PersonRow:
    """:func:`_prepare` without the model objects: the same checks, the same values."""
    if _has_control_characters(spec.name):
        raise DomainError("person.bad_name", _("The name contains characters that cannot be shown."), "name")
    name = "".join(spec.name.split())
    if not name:
        raise DomainError("person.no_name", _("A person needs a name."), "name")
    if spec.document_type not in _DOCUMENT_TYPES:
        raise DomainError("person.bad_document_type", _("Choose a document type."), "document_type")
    if spec.relation and spec.relation not in _RELATIONS:
        raise DomainError("person.bad_relation", _("Choose a relation to the household head."), "relation")
    if spec.residency not in _RESIDENCIES:
        raise DomainError("person.bad_residency", _("Choose a residency status."), "residency")
    for field_name in ("domicile_address", "current_address"):
        if _has_control_characters(getattr(spec, field_name)):
            raise DomainError(
                "person.bad_address", _("The address contains characters that cannot be shown."), field_name
            )
    values: dict[str, Any] = {
        "name": name[:60],
        "relation": spec.relation,
        "residency": spec.residency,
        "domicile_address": spec.domicile_address,
        "current_address": spec.current_address,
        "sex": spec.sex or Sex.UNKNOWN,
        "birth_date": spec.birth_date,
        "document_type": spec.document_type,
    }
    if spec.document_number.strip():
        sealed = seal_document(spec.document_type, spec.document_number, spec.parsed_id)
        values["document_ciphertext"] = sealed.sealed.ciphertext
        values["document_index"] = sealed.sealed.index
        values["document_masked"] = sealed.sealed.masked
        values["id_area_code"] = sealed.area_code
        values["birth_date"] = sealed.birth_date or spec.birth_date
        if sealed.sex != Sex.UNKNOWN:
            values["sex"] = sealed.sex
    phone_rows: list[tuple[str, Sealed, bool]] = []
    seen: set[str] = set()
    for index, raw in enumerate(p for p in spec.phones if p and p.strip()):
        kind, sealed_phone = seal_phone(raw)
        if sealed_phone.index in seen:
            continue
        seen.add(sealed_phone.index)
        phone_rows.append((kind, sealed_phone, index == 0))
    return PersonRow(values, spec.household, spec.unit, phone_rows)


EDITABLE_FIELDS = {"name", "relation", "residency", "domicile_address", "current_address"}


@transaction.atomic
def do_update_person(actor: Any, person: Person, expected_version: int, **changes: Any) -> Person:
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise DomainError(
            "person.not_editable",
            _("These fields cannot be edited here: %(f)s") % {"f": ", ".join(sorted(unknown))},
        )
    audit.save_versioned(actor, person, expected_version, changes)
    return person


REVEALABLE = ("document", "phone")


@transaction.atomic
def reveal(actor: Any, person: Person, field: str, reason: str) -> list[str]:
    """The audited reveal: the full value(s), for a user allowed to reveal in the person's place."""
    if field not in REVEALABLE:
        raise DomainError("reveal.bad_field", _("Only the document number or phones can be revealed."))
    if not person.in_scope(actor, "reveal"):
        raise Http404
    reason = reason.strip()
    if len(reason) < 2:
        raise DomainError("reveal.no_reason", _("Say why you need to see the full value."), "reason")
    audit.log_pii_access(actor, PiiAccessKind.REVEAL, field, reason, person_id=person.pk)
    audit.emit("person.revealed", person, actor, data={"field": field, "reason": reason[:200]})
    if field == "document":
        return [unseal(person.document_ciphertext)] if person.document_ciphertext else []
    return [unseal(phone.ciphertext) for phone in person.phones.order_by("-is_primary", "id")]


@transaction.atomic
def do_recount() -> None:
    """Rebuild every counter from the raw rows (after bulk loads; also the counters' correctness check)."""
    counts = raw_counts()
    units = list(AdminUnit.objects.only("id", "path"))
    for unit in units:
        unit.person_count = counts.unit_persons.get(unit.path, 0)
        unit.household_count = counts.unit_households.get(unit.path, 0)
    update_fields(AdminUnit, units, ["person_count", "household_count"])
    grids = list(Grid.objects.only("id"))
    for grid in grids:
        grid.person_count = counts.grid_persons.get(grid.id, 0)
        grid.household_count = counts.grid_households.get(grid.id, 0)
    update_fields(Grid, grids, ["person_count", "household_count"])
