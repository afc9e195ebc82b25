"""The person edit page and API: one validator for both, the edit itself."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from hongyixing.core import audit
from hongyixing.core.crypto import Sealed
from hongyixing.core.errors import DomainError
from hongyixing.people.choices import DocumentType, Relation, Residency, Sex
from hongyixing.people.models import Person, PersonPhone

# Choices' ``values`` are rebuilt on every access: read once for the bulk paths.
from hongyixing.people.services.persons import (
    ADDRESS_LIMIT,
    NAME_LIMIT,
    _has_control_characters,
    refuse_too_long,
    seal_phone,
)

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
        refuse_too_long("name", values["name"], NAME_LIMIT)
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
            refuse_too_long(field_name, values[field_name], ADDRESS_LIMIT)
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
