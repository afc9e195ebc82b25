"""The register in bulk: loading thousands of persons from values and updating them, all-or-nothing."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.db import connection, models, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from hongyixing.areas.models import Household
from hongyixing.areas.services import bump_counts_many
from hongyixing.core import audit
from hongyixing.core.bulk import insert_returning_ids, insert_rows_returning_ids
from hongyixing.core.errors import DomainError
from hongyixing.people.models import Person, PersonPhone

# Choices' ``values`` are rebuilt on every access: read once for the bulk paths.
from hongyixing.people.services.persons import (
    EDITABLE_FIELDS,
    PersonRow,
    PersonSpec,
    _prepare_row,
    place_row,
    seal_phone,
)


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


def _refuse_on_file(rows: list[PersonRow]) -> None:
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


def prepare_persons(specs: Sequence[PersonSpec]) -> list[PersonRow]:
    """:func:`do_bulk_load_persons`'s checks, sealing and blind indexes, which need no database: a
    caller may do them before its writing transaction (the demo's parallel register load does)."""
    return [_prepare_row(spec) for spec in specs]


@transaction.atomic
def do_bulk_load_persons(actor: Any, specs: Sequence[PersonSpec | PersonRow]) -> list[int]:
    """The bulk path (demo seed, master-data import): all-or-nothing, audit rows and events in bulk,
    counters moved in aggregate; returns the new persons' ids in the order of ``specs``.

    Set-based and lean: rows are built as values (no model objects), each ID number and phone sealed and
    indexed once, persons and phones written by COPY (PostgreSQL) or multi-row INSERT, and the change
    log's snapshots made from the same values (what :func:`audit.log_bulk_create` would write for them).
    IDs already on file or repeated within ``specs`` are refused: bulk loaders decide how to merge.
    ``specs`` may be :func:`prepare_persons`'s rows already.
    """
    rows = [spec if isinstance(spec, PersonRow) else _prepare_row(spec) for spec in specs]
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
        place_row(row)
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
