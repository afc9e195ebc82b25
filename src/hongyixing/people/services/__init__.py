"""Every write about persons: create (never duplicating an ID), update, bulk load, reveal, edit.

One module per subdomain; every public name is re-exported here (``people.services.X``)."""

from hongyixing.people.services.bulk import (
    PersonUpdate,
    do_bulk_create_persons,
    do_bulk_load_persons,
    do_bulk_update_persons,
    persons_by_document_index,
    prepare_persons,
)
from hongyixing.people.services.edit import PERSON_EDIT_FIELDS, clean_person_edit, clean_phone, do_edit_person
from hongyixing.people.services.persons import (
    EDITABLE_FIELDS,
    REFUSED_REGISTRATION,
    REVEALABLE,
    PersonRow,
    PersonSpec,
    PreparedPerson,
    SealedDocument,
    create_person,
    do_create_person,
    do_recount,
    do_update_person,
    document_index,
    find_by_document,
    phone_index,
    record_refused_registration,
    reveal,
    seal_document,
    seal_phone,
)

__all__ = [
    "EDITABLE_FIELDS",
    "PERSON_EDIT_FIELDS",
    "REFUSED_REGISTRATION",
    "REVEALABLE",
    "PersonSpec",
    "PersonRow",
    "PersonUpdate",
    "PreparedPerson",
    "SealedDocument",
    "clean_person_edit",
    "clean_phone",
    "create_person",
    "do_bulk_create_persons",
    "do_bulk_load_persons",
    "do_bulk_update_persons",
    "do_create_person",
    "do_edit_person",
    "do_recount",
    "do_update_person",
    "document_index",
    "find_by_document",
    "persons_by_document_index",
    "prepare_persons",
    "phone_index",
    "record_refused_registration",
    "reveal",
    "seal_document",
    "seal_phone",
]
