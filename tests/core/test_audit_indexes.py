"""The audit tables and the phone table carry the indexes their readers use and nothing more (ADR 0015).

Every audited write pays for each index and constraint on the change log and the event table; an index
nobody reads is pure cost on every request, import and seed.
"""

from __future__ import annotations

import pytest
from django.db import connection

from hongyixing.core.models import ChangeLog, DomainEvent
from hongyixing.people.models import PersonPhone

pytestmark = pytest.mark.django_db


def _shape(model) -> tuple[list[tuple[str, ...]], list[str]]:
    """(column tuples of the table's indexes and unique constraints but the primary key, tables its
    foreign keys point at)."""
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, model._meta.db_table)
    # A list, not a set: PostgreSQL's pattern-ops twin has the same columns as the index it doubles.
    indexes = sorted(
        tuple(c["columns"]) for c in found.values() if (c["index"] or c["unique"]) and not c["primary_key"]
    )
    references = [c["foreign_key"][0] for c in found.values() if c["foreign_key"]]
    return indexes, references


def test_change_log_has_its_readers_indexes_and_no_constraint_on_users():
    indexes, references = _shape(ChangeLog)
    assert indexes == [("object_type", "object_id"), ("person_id", "time")]
    assert references == []


def test_event_table_has_its_readers_indexes_and_no_constraint_on_users():
    indexes, references = _shape(DomainEvent)
    assert indexes == [("person_id", "time"), ("subject_type", "subject_id", "time")]
    assert references == []


def test_phone_table_has_one_index_per_lookup():
    indexes, references = _shape(PersonPhone)
    # (person, index) is the unique constraint: it serves look-ups by person; ("index",) by phone.
    assert indexes == [("index",), ("person_id", "index")]
    assert references == ["people_person"]


def test_the_actor_is_still_read_with_the_row(django_user_model):
    from hongyixing.core import audit

    user = django_user_model.objects.create(username="auditor")
    row = audit.log_create(user, user)
    assert ChangeLog.objects.select_related("user").get(pk=row.pk).user == user
