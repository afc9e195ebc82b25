"""Every write about persons: create (never duplicating an ID), update, bulk load, reveal."""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any, TypeVar

from django.db import IntegrityError, connection, models, transaction
from django.db.models import F
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from hongyixing.areas.models import AdminUnit, Grid, Household
from hongyixing.areas.services import bump_counts, bump_counts_many
from hongyixing.core import audit, phones
from hongyixing.core.bulk import insert_returning_ids, insert_rows_returning_ids, update_fields
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
    # Every value at construction (attnames for the relations): no descriptor work per attribute.
    if spec.household is not None:
        values["household_id"] = spec.household.pk
        values["unit_path"] = spec.household.unit_path
        values["grid_id"] = spec.household.grid_id
    elif spec.unit is not None:
        values["unit_path"] = spec.unit.path
        values["grid_id"] = spec.unit.grid_id
    person = _new(Person, **values)
    if spec.household is not None and spec.household.pk is None:
        person.household = spec.household  # not saved yet: the relation resolves its id on save
    phone_rows = []
    seen: set[str] = set()
    for index, raw in enumerate(p for p in spec.phones if p and p.strip()):
        kind, sealed_phone = seal_phone(raw)
        if sealed_phone.index in seen:
            continue
        seen.add(sealed_phone.index)
        phone_rows.append(
            _new(
                PersonPhone,
                kind=kind,
                ciphertext=sealed_phone.ciphertext,
                index=sealed_phone.index,
                masked=sealed_phone.masked,
                is_primary=index == 0,
            )
        )
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


@transaction.atomic
def do_bulk_create_persons(actor: Any, specs: Sequence[PersonSpec]) -> list[Person]:
    """The bulk path with the persons back as model objects (read after the write); see
    :func:`do_bulk_load_persons`, which the importer uses and which returns the new ids only."""
    ids = do_bulk_load_persons(actor, specs)
    found = Person.objects.in_bulk(ids)
    return [found[pk] for pk in ids]


@cache
def _row_template(model: type[models.Model]) -> tuple[tuple[str, ...], dict[str, Any]]:
    """Columns (every concrete field but the primary key, in the model's order) and their defaults."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    return tuple(f.column for f in fields), {f.attname: f.get_default() for f in fields}


@dataclass(slots=True)
class _PersonRow:
    values: dict[str, Any]  # attname → Python value, every concrete field but the id
    household: Household | None
    phones: list[tuple[str, Sealed, bool]]  # (kind, sealed, is_primary)


def _prepare_row(spec: PersonSpec) -> _PersonRow:
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
    if _has_control_characters(spec.domicile_address):
        raise DomainError(
            "person.bad_address",
            _("The address contains characters that cannot be shown."),
            "domicile_address",
        )
    if _has_control_characters(spec.current_address):
        raise DomainError(
            "person.bad_address",
            _("The address contains characters that cannot be shown."),
            "current_address",
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
    if spec.household is not None:
        values["unit_path"] = spec.household.unit_path
        values["grid_id"] = spec.household.grid_id
    elif spec.unit is not None:
        values["unit_path"] = spec.unit.path
        values["grid_id"] = spec.unit.grid_id
    phone_rows: list[tuple[str, Sealed, bool]] = []
    seen: set[str] = set()
    for index, raw in enumerate(p for p in spec.phones if p and p.strip()):
        kind, sealed_phone = seal_phone(raw)
        if sealed_phone.index in seen:
            continue
        seen.add(sealed_phone.index)
        phone_rows.append((kind, sealed_phone, index == 0))
    return _PersonRow(values, spec.household, phone_rows)


def _refuse_on_file(rows: list[_PersonRow]) -> None:
    keys = [
        (r.values["document_type"], r.values["document_index"])
        for r in rows
        if r.values.get("document_index")
    ]
    if len(set(keys)) != len(keys):
        raise DomainError("person.duplicate_in_batch", _("The same ID number appears twice in the batch."))
    by_type: dict[str, list[str]] = {}
    for document_type, index in keys:
        by_type.setdefault(document_type, []).append(index)
    for document_type, indexes in by_type.items():
        for start in range(0, len(indexes), 5000):
            if persons_by_document_index(document_type, indexes[start : start + 5000], ("id",), limit=1):
                raise DomainError("person.already_exists", _("Some ID numbers are already on file."))


def persons_by_document_index(
    document_type: str, indexes: Sequence[str], fields: Sequence[str], *, limit: int | None = None
) -> list[tuple[Any, ...]]:
    """The ``fields`` (attnames) of the persons with these blind indexes, as tuples: one query through
    the ``(document_type, document_index)`` unique index, without the ORM's per-value work on a list of
    thousands (bulk loaders look up a register's chunk at a time)."""
    if not indexes:
        return []
    quote = connection.ops.quote_name
    meta = Person._meta
    column_of = {f.attname: f.column for f in meta.concrete_fields}
    columns = ", ".join(quote(column_of[name]) for name in fields)
    where = f"{quote('document_type')} = %s AND {quote('document_index')}"
    params: list[Any] = [document_type]
    if connection.vendor == "postgresql":
        where += " = ANY(%s)"
        params.append(list(indexes))
    else:
        where += f" IN ({', '.join(['%s'] * len(indexes))})"
        params.extend(indexes)
    sql = f"SELECT {columns} FROM {quote(meta.db_table)} WHERE {where}"  # noqa: S608
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [tuple(row) for row in cursor.fetchall()]


@transaction.atomic
def do_bulk_load_persons(actor: Any, specs: Sequence[PersonSpec]) -> list[int]:
    """The bulk path (demo seed, master-data import): all-or-nothing, audit rows and events in bulk,
    counters moved in aggregate; returns the new persons' ids in the order of ``specs``.

    Set-based and lean: rows are built as values (no model objects), each ID number and phone sealed and
    indexed once, persons and phones written by COPY (PostgreSQL) or multi-row INSERT, and the change
    log's snapshots made from the same values (what :func:`audit.log_bulk_create` would write for them).
    IDs already on file or repeated within ``specs`` are refused: bulk loaders decide how to merge.
    """
    rows = [_prepare_row(spec) for spec in specs]
    _refuse_on_file(rows)
    if not rows:
        return []
    ops = connection.ops
    now = timezone.now()
    person_columns, person_defaults = _row_template(Person)
    created_at = ops.adapt_datetimefield_value(now)
    adapt_date = ops.adapt_datefield_value
    table: list[tuple[Any, ...]] = []
    for row in rows:
        values = row.values
        if row.household is not None:
            if row.household.pk is None:
                raise ValueError("a person's household must be saved before the person")
            values["household_id"] = row.household.pk
        record = dict(person_defaults)
        record.update(values)
        record["created_at"] = created_at
        if record["birth_date"] is not None:
            record["birth_date"] = adapt_date(record["birth_date"])
        table.append(tuple(record.values()))
    ids = insert_rows_returning_ids(Person._meta.db_table, person_columns, table)
    del table
    phone_columns, phone_defaults = _row_template(PersonPhone)
    phone_table: list[tuple[Any, ...]] = []
    phone_audit: list[tuple[str, int, str, dict[str, Any]]] = []  # (repr, person id, unit path, snapshot)
    for pk, row in zip(ids, rows, strict=True):
        for kind, sealed, primary in row.phones:
            record = dict(phone_defaults)
            record.update(
                person_id=pk, kind=kind, ciphertext=sealed.ciphertext, index=sealed.index,
                masked=sealed.masked, is_primary=primary,
            )  # fmt: skip
            phone_table.append(tuple(record.values()))
            snap = {"person_id": pk, "kind": kind, "masked": sealed.masked, "is_primary": primary}
            phone_audit.append((sealed.masked, pk, row.values.get("unit_path", ""), snap))
    phone_ids = insert_rows_returning_ids(PersonPhone._meta.db_table, phone_columns, phone_table)
    bump_counts_many([(r.values.get("unit_path", ""), r.values.get("grid_id"), 1, 0) for r in rows])
    by_household = Counter(r.values["household_id"] for r in rows if r.values.get("household_id"))
    households_by_count: dict[int, list[int]] = {}
    for household_id, count in by_household.items():
        households_by_count.setdefault(count, []).append(household_id)
    for count, household_ids in households_by_count.items():
        for start in range(0, len(household_ids), 500):
            Household.objects.filter(pk__in=household_ids[start : start + 500]).update(
                person_count=F("person_count") + count
            )
    audit.log_bulk_create_values(
        actor,
        Person._meta.label_lower,
        (
            (
                pk,
                r.values["name"],
                pk,
                r.values.get("unit_path", ""),
                _person_snapshot(r.values, person_defaults),
            )
            for pk, r in zip(ids, rows, strict=True)
        ),
    )
    audit.log_bulk_create_values(
        actor,
        PersonPhone._meta.label_lower,
        ((phone_pk, *rest) for phone_pk, rest in zip(phone_ids, phone_audit, strict=True)),
    )
    audit.emit_bulk_values(
        "person.created",
        Person._meta.label_lower,
        ((pk, pk, r.values.get("unit_path", "")) for pk, r in zip(ids, rows, strict=True)),
        actor,
    )
    return ids


def _person_snapshot(values: dict[str, Any], defaults: dict[str, Any]) -> dict[str, Any]:
    """What :func:`audit.snapshot` gives for the person these values make."""
    snap = {}
    for name in Person.audit_fields:
        value = values[name] if name in values else defaults[name]
        if isinstance(value, dt.date):
            value = value.isoformat()
        snap[name] = value
    return snap


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


@dataclass
class PersonUpdate:
    """One changed register row: new field values, phones to add, a household to join (if none yet)."""

    person: Person
    changes: dict[str, Any]
    new_phones: Sequence[str] = ()
    household: Household | None = None


@transaction.atomic
def do_bulk_update_persons(actor: Any, updates: Sequence[PersonUpdate]) -> int:
    """The bulk path for an import's changed rows: set-based updates, change log and events in bulk."""
    if not updates:
        return 0
    unknown = {name for update in updates for name in update.changes} - EDITABLE_FIELDS
    if unknown:
        raise DomainError(
            "person.not_editable",
            _("These fields cannot be edited here: %(f)s") % {"f": ", ".join(sorted(unknown))},
        )
    logged = []
    joined: list[Person] = []
    phone_rows: list[PersonPhone] = []
    for update in updates:
        person = update.person
        before = audit.snapshot(person)
        for name, value in update.changes.items():
            setattr(person, name, value)
        if update.household is not None and person.household_id is None:
            person.household = update.household
            person.unit_path = update.household.unit_path
            person.grid_id = update.household.grid_id
            joined.append(person)
        has_primary = any(phone.is_primary for phone in person.phones.all())
        for new_phone in update.new_phones:
            kind, sealed = seal_phone(new_phone)
            phone_rows.append(
                PersonPhone(
                    person_id=person.pk,
                    kind=kind,
                    ciphertext=sealed.ciphertext,
                    index=sealed.index,
                    masked=sealed.masked,
                    is_primary=not has_primary,
                )
            )
            has_primary = True
        person.version += 1
        logged.append((person, before))
    fields = [*sorted(EDITABLE_FIELDS), "household", "unit_path", "grid", "version"]
    Person.objects.bulk_update([person for person, _b in logged], fields, batch_size=500)
    insert_returning_ids(PersonPhone, phone_rows)
    bump_counts_many([(p.unit_path, p.grid_id, 1, 0) for p in joined])
    for household_id in [person.household_id for person in joined]:
        Household.objects.filter(pk=household_id or 0).update(person_count=F("person_count") + 1)
    audit.log_bulk_update(actor, logged)
    audit.log_bulk_create(actor, phone_rows)
    audit.emit_bulk("person.updated", [person for person, _b in logged], actor)
    return len(logged)


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


# --- The person page's edit and its API (one validator) ----------------------------------------------

_UNSET: Any = object()
PERSON_EDIT_FIELDS = (
    "name",
    "sex",
    "birth_date",
    "relation",
    "residency",
    "domicile_address",
    "current_address",
)


def _birth_date(value: Any) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        day = value
    else:
        try:
            day = dt.date.fromisoformat(str(value).strip())
        except ValueError:
            # zh: 出生日期请写成 2020-01-31 这样的格式
            raise DomainError(
                "person.bad_birth_date", _("Write the birth date as 2020-01-31."), "birth_date"
            ) from None
    if not dt.date(1900, 1, 1) <= day <= dt.date.today():
        # zh: 出生日期须在 1900 年到今天之间
        raise DomainError(
            "person.bad_birth_date", _("The birth date must lie between 1900 and today."), "birth_date"
        )
    return day


def clean_person_edit(
    person: Person,
    *,
    name: Any = _UNSET,
    sex: Any = _UNSET,
    birth_date: Any = _UNSET,
    relation: Any = _UNSET,
    residency: Any = _UNSET,
    domicile_address: Any = _UNSET,
    current_address: Any = _UNSET,
) -> dict[str, Any]:
    """The one validator of a person's edit (page and API): the changed fields, or a DomainError.
    A value left out (or an empty birth date) keeps what is on file. The ID number is read-only here;
    with a resident ID on file, sex and birth date are the ID's."""
    given = {
        "name": name,
        "sex": sex,
        "relation": relation,
        "residency": residency,
        "domicile_address": domicile_address,
        "current_address": current_address,
    }
    values: dict[str, Any] = {k: ("" if v is None else str(v)) for k, v in given.items() if v is not _UNSET}
    if "name" in values:
        if _has_control_characters(values["name"]):
            raise DomainError(
                "person.bad_name", _("The name contains characters that cannot be shown."), "name"
            )
        values["name"] = "".join(values["name"].split())
        if not values["name"]:
            raise DomainError("person.no_name", _("A person needs a name."), "name")
        if len(values["name"]) > 60:
            raise DomainError("text.too_long", _("At most %(n)s characters.") % {"n": 60}, "name")
    if "sex" in values and values["sex"] not in Sex.values:
        # zh: 请选择性别
        raise DomainError("person.bad_sex", _("Choose the sex."), "sex")
    if values.get("relation") and values["relation"] not in Relation.values:
        raise DomainError("person.bad_relation", _("Choose a relation to the household head."), "relation")
    if "residency" in values and values["residency"] not in Residency.values:
        raise DomainError("person.bad_residency", _("Choose a residency status."), "residency")
    for field_name in ("domicile_address", "current_address"):
        if field_name in values:
            values[field_name] = " ".join(values[field_name].split())
            if _has_control_characters(values[field_name]):
                raise DomainError(
                    "person.bad_address",
                    _("The address contains characters that cannot be shown."),
                    field_name,
                )
            if len(values[field_name]) > 200:
                raise DomainError("text.too_long", _("At most %(n)s characters.") % {"n": 200}, field_name)
    if birth_date is not _UNSET:
        day = _birth_date(birth_date)
        if day is not None:
            values["birth_date"] = day
    from_id = person.document_type == DocumentType.RESIDENT_ID and bool(person.document_masked)
    changes = {k: v for k, v in values.items() if getattr(person, k) != v}
    if from_id and ({"sex", "birth_date"} & set(changes)):
        field_name = "sex" if "sex" in changes else "birth_date"
        # zh: 性别和出生日期以身份证号码为准，不能在这里修改
        raise DomainError(
            "person.from_id_number",
            _("Sex and birth date come from the ID number and cannot be changed here."),
            field_name,
        )
    return changes


def clean_phone(person: Person, phone: Any, replace_id: Any = None) -> tuple[str, Sealed, PersonPhone | None]:
    """A phone to add, or to put in place of one of the person's phones (core.phones rules)."""
    kind, sealed = seal_phone(str(phone or ""))
    replaced = None
    if replace_id not in (None, ""):
        from hongyixing.core.bounds import parse_key

        key = parse_key(replace_id)
        replaced = person.phones.filter(pk=key).first() if key is not None else None
        if replaced is None:
            # zh: 要替换的电话不是这个人的
            raise DomainError(
                "person.bad_phone_replaced", _("The phone to replace is not this person's."), "replace_phone"
            )
    same = person.phones.filter(index=sealed.index)
    if replaced is not None:
        same = same.exclude(pk=replaced.pk)
    if same.exists():
        # zh: 这个电话已经登记在这个人名下
        raise DomainError("person.phone_exists", _("This phone is already on file for this person."), "phone")
    return kind, sealed, replaced


@transaction.atomic
def do_edit_person(
    actor: Any,
    person: Person,
    expected_version: int,
    *,
    phone: str = "",
    replace_phone_id: Any = None,
    **fields: Any,
) -> Person:
    """Change a person's details (and add or replace a phone) from the person page or the API."""
    changes = clean_person_edit(person, **fields)
    new_phone = clean_phone(person, phone, replace_phone_id) if str(phone or "").strip() else None
    audit.save_versioned(actor, person, expected_version, changes)
    if new_phone is not None:
        kind, sealed, replaced = new_phone
        if replaced is not None:
            phone_before = audit.snapshot(replaced)
            replaced.kind, replaced.ciphertext = kind, sealed.ciphertext
            replaced.index, replaced.masked = sealed.index, sealed.masked
            replaced.save(update_fields=["kind", "ciphertext", "index", "masked"])
            audit.log_update(actor, replaced, phone_before)
        else:
            row = PersonPhone.objects.create(
                person=person,
                kind=kind,
                ciphertext=sealed.ciphertext,
                index=sealed.index,
                masked=sealed.masked,
                is_primary=not person.phones.filter(is_primary=True).exists(),
            )
            audit.log_create(actor, row)
    if changes or new_phone is not None:
        audit.emit("person.updated", person, actor)
    return person
