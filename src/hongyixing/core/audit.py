"""Writing the audit trail. Called by services inside their transaction, never by views.

Audited models declare ``audit_fields`` (what the change log records) and may override
``audit_value`` so personal values are logged masked.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection, models
from django.utils import timezone

from hongyixing.core.bulk import copy_rows, insert_rows
from hongyixing.core.context import current_request_id
from hongyixing.core.models import ChangeAction, ChangeLog, DomainEvent, PiiAccess

_PLAIN_TYPES = frozenset({str, int, bool, float, type(None)})


def _jsonable(value: Any) -> Any:
    if type(value) in _PLAIN_TYPES:
        return value
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, models.Model):
        return value.pk
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def snapshot(instance: models.Model) -> dict[str, Any]:
    fields: Sequence[str] = getattr(instance, "audit_fields", ())
    reader = getattr(instance, "audit_value", None)
    if reader is None:
        # Plain fields straight from the instance's values (a bulk load snapshots every row it writes);
        # properties, and deferred fields not loaded, through getattr.
        values = instance.__dict__
        return {
            name: _jsonable(values[name] if name in values else getattr(instance, name)) for name in fields
        }
    return {name: _jsonable(reader(name)) for name in fields}


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    keys = list(dict.fromkeys([*before, *after]))
    return {k: [before.get(k), after.get(k)] for k in keys if before.get(k) != after.get(k)}


def _user_id(user: Any) -> int | None:
    return user.pk if user is not None and getattr(user, "is_authenticated", False) else None


def _change_row(
    user: Any, action: str, instance: models.Model, changes: dict[str, list[Any]], now: dt.datetime
) -> ChangeLog:
    return ChangeLog(
        time=now,
        user_id=_user_id(user),
        request_id=current_request_id(),
        action=action,
        object_type=instance._meta.label_lower,
        object_id=instance.pk,
        object_repr=str(instance)[:200],
        person_id=getattr(instance, "audit_person_id", None),
        unit_path=getattr(instance, "unit_path", "") or "",
        changes=changes,
    )


def log_create(user: Any, instance: models.Model) -> ChangeLog:
    after = snapshot(instance)
    return ChangeLog.objects.create(
        **_fields(_change_row(user, ChangeAction.CREATE, instance, diff({}, after), timezone.now()))
    )


def log_update(user: Any, instance: models.Model, before: dict[str, Any]) -> ChangeLog | None:
    changes = diff(before, snapshot(instance))
    if not changes:
        return None
    return ChangeLog.objects.create(
        **_fields(_change_row(user, ChangeAction.UPDATE, instance, changes, timezone.now()))
    )


def save_versioned(user: Any, instance: Any, expected_version: int, changes: dict[str, Any]) -> bool:
    """Optimistic concurrency for an edit: write ``changes`` only if the row still has
    ``expected_version`` (bumping it), reload the instance and log the field diff. A row that moved on
    raises ``StaleEdit``. Returns whether anything changed."""
    from django.db.models import F

    from hongyixing.core.errors import StaleEdit

    before = snapshot(instance)
    model = type(instance)
    if not model.objects.filter(pk=instance.pk, version=expected_version).update(
        version=F("version") + 1, **changes
    ):
        raise StaleEdit
    instance.refresh_from_db()
    if changes:
        log_update(user, instance, before)
    return bool(changes)


def log_delete(user: Any, instance: models.Model) -> ChangeLog:
    before = snapshot(instance)
    return ChangeLog.objects.create(
        **_fields(_change_row(user, ChangeAction.DELETE, instance, diff(before, {}), timezone.now()))
    )


def _insert_many(
    model: type[models.Model], columns: Sequence[str], rows: list[tuple[Any, ...]], batch_size: int
) -> None:
    """Plain INSERT of prepared values: the bulk audit path skips the ORM's per-field work."""
    if not rows:
        return
    if connection.vendor == "postgresql":
        copy_rows(model._meta.db_table, columns, rows)
        return
    quote = connection.ops.quote_name
    # Table and column names come from our own models, never from input; values are parameters.
    table = quote(model._meta.db_table)
    names = ", ".join(quote(c) for c in columns)
    placeholders = ", ".join(["%s"] * len(columns))
    sql = f"INSERT INTO {table} ({names}) VALUES ({placeholders})"  # noqa: S608
    with connection.cursor() as cursor:
        for start in range(0, len(rows), batch_size):
            cursor.executemany(sql, rows[start : start + batch_size])


_CHANGE_COLUMNS = (
    "time",
    "user_id",
    "request_id",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "person_id",
    "unit_path",
    "changes",
)
_EVENT_COLUMNS = (
    "time",
    "name",
    "user_id",
    "request_id",
    "subject_type",
    "subject_id",
    "person_id",
    "unit_path",
    "data",
)


class _Plan:
    """What the bulk change log reads of one model class, worked out once per class rather than
    looked up (and missed) on each of a list's 100,000 objects."""

    def __init__(self, model: type[models.Model]) -> None:
        self.label = model._meta.label_lower
        self.fields: Sequence[str] = getattr(model, "audit_fields", ())
        self.custom = hasattr(model, "audit_value")
        self.person = hasattr(model, "audit_person_id")
        self.has_path = hasattr(model, "unit_path")

    def created(self, obj: models.Model) -> dict[str, list[Any]]:
        """What diff({}, snapshot) gives: every field with a value, as [None, value]."""
        if self.custom:
            snap = snapshot(obj)
        else:
            values = obj.__dict__
            snap = {n: _jsonable(values[n] if n in values else getattr(obj, n)) for n in self.fields}
        return {k: [None, v] for k, v in snap.items() if v is not None}


def log_bulk_create(user: Any, instances: Iterable[models.Model], batch_size: int = 2000) -> int:
    """The bulk path's change log: one row per object, the same content as ``log_create``."""
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    user_id = _user_id(user)
    request_id = current_request_id()
    action = ChangeAction.CREATE.value
    encode = json.JSONEncoder(ensure_ascii=False).encode
    plans: dict[type, _Plan] = {}
    rows = []
    for obj in instances:
        plan = plans.get(type(obj)) or plans.setdefault(type(obj), _Plan(type(obj)))
        rows.append(
            (
                now,
                user_id,
                request_id,
                action,
                plan.label,
                obj.pk,
                str(obj)[:200],
                obj.audit_person_id if plan.person else None,  # type: ignore[attr-defined]
                (obj.unit_path or "") if plan.has_path else "",  # type: ignore[attr-defined]
                # Snapshots are already JSON-safe: encode once here instead of through the field's adapters.
                encode(plan.created(obj)),
            )
        )
    _insert_many(ChangeLog, _CHANGE_COLUMNS, rows, batch_size)
    return len(rows)


def log_bulk_update(
    user: Any, changed: Iterable[tuple[models.Model, dict[str, Any]]], batch_size: int = 2000
) -> int:
    """The bulk path's change log for updates: ``changed`` pairs each saved object with its
    ``snapshot`` from before; one row per object that really changed, as ``log_update`` writes."""
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    user_id = _user_id(user)
    request_id = current_request_id()
    rows = []
    for obj, before in changed:
        changes = diff(before, snapshot(obj))
        if not changes:
            continue
        rows.append(
            (
                now,
                user_id,
                request_id,
                ChangeAction.UPDATE.value,
                obj._meta.label_lower,
                obj.pk,
                str(obj)[:200],
                getattr(obj, "audit_person_id", None),
                getattr(obj, "unit_path", "") or "",
                json.dumps(changes, ensure_ascii=False),
            )
        )
    _insert_many(ChangeLog, _CHANGE_COLUMNS, rows, batch_size)
    return len(rows)


def _fields(row: ChangeLog) -> dict[str, Any]:
    return {f.attname: getattr(row, f.attname) for f in ChangeLog._meta.concrete_fields if f.attname != "id"}


def emit(
    name: str,
    subject: models.Model,
    user: Any = None,
    *,
    person_id: int | None = None,
    data: dict[str, Any] | None = None,
) -> DomainEvent:
    return DomainEvent.objects.create(**_event_fields(name, subject, user, person_id, data, timezone.now()))


def emit_bulk(name: str, subjects: Iterable[models.Model], user: Any = None, batch_size: int = 2000) -> int:
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    user_id = _user_id(user)
    request_id = current_request_id()
    empty = "{}"
    rows = [
        (
            now,
            name,
            user_id,
            request_id,
            s._meta.label_lower,
            s.pk,
            getattr(s, "audit_person_id", None),
            getattr(s, "unit_path", "") or "",
            empty,
        )
        for s in subjects
    ]
    _insert_many(DomainEvent, _EVENT_COLUMNS, rows, batch_size)
    return len(rows)


def _event_fields(
    name: str,
    subject: models.Model,
    user: Any,
    person_id: int | None,
    data: dict[str, Any] | None,
    now: dt.datetime,
) -> dict[str, Any]:
    return {
        "time": now,
        "name": name,
        "user_id": _user_id(user),
        "request_id": current_request_id(),
        "subject_type": subject._meta.label_lower,
        "subject_id": subject.pk,
        "person_id": person_id if person_id is not None else getattr(subject, "audit_person_id", None),
        "unit_path": getattr(subject, "unit_path", "") or "",
        "data": data or {},
    }


def log_pii_access(
    user: Any, kind: str, field: str, reason: str, *, person_id: int | None = None, detail: dict | None = None
) -> PiiAccess:
    return PiiAccess.objects.create(
        time=timezone.now(),
        user_id=user.pk,
        request_id=current_request_id(),
        kind=kind,
        person_id=person_id,
        field=field,
        reason=reason[:200],
        detail=detail or {},
    )


def log_bulk_create_values(
    user: Any, object_type: str, rows: Iterable[tuple[int, str, int | None, str, dict[str, Any]]]
) -> int:
    """:func:`log_bulk_create` for a bulk path that holds values, not model objects: ``rows`` are
    ``(object_id, object_repr, person_id, unit_path, snapshot)`` with the snapshot as :func:`snapshot`
    gives it (JSON-safe values, the model's ``audit_fields`` in order). The rows written are the same."""
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    user_id = _user_id(user)
    request_id = current_request_id()
    action = ChangeAction.CREATE.value
    encode = json.JSONEncoder(ensure_ascii=False).encode
    values = [
        (
            now,
            user_id,
            request_id,
            action,
            object_type,
            object_id,
            repr_[:200],
            person_id,
            unit_path or "",
            encode({k: [None, v] for k, v in snap.items() if v is not None}),
        )
        for object_id, repr_, person_id, unit_path, snap in rows
    ]
    insert_rows(ChangeLog._meta.db_table, _CHANGE_COLUMNS, values)
    return len(values)


def emit_bulk_values(
    name: str, subject_type: str, rows: Iterable[tuple[int, int | None, str]], user: Any = None
) -> int:
    """:func:`emit_bulk` from values: ``rows`` are ``(subject_id, person_id, unit_path)``."""
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    user_id = _user_id(user)
    request_id = current_request_id()
    values = [
        (now, name, user_id, request_id, subject_type, subject_id, person_id, unit_path or "", "{}")
        for subject_id, person_id, unit_path in rows
    ]
    insert_rows(DomainEvent._meta.db_table, _EVENT_COLUMNS, values)
    return len(values)
