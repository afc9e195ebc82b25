"""Bulk INSERT … RETURNING id without the ORM compiler's per-field, per-row work.

``QuerySet.bulk_create`` spends most of a large load compiling SQL (and, on SQLite, caps a statement at
999 parameters). Here values are prepared once per field kind, rows go in multi-row statements sized to
the database's parameter limit, and primary keys come back with RETURNING (SQLite ≥ 3.35, PostgreSQL).
Only services' bulk paths use it, and they still write the audit rows.
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from typing import Any, TypeVar

from django.db import connection, models
from django.db.models.base import ModelState

_M = TypeVar("_M", bound=models.Model)
# Fields whose Python value is already what the database driver takes.
_PLAIN = (
    models.CharField,
    models.TextField,
    models.IntegerField,
    models.BooleanField,
    models.FloatField,
    models.ForeignKey,
)
MAX_PARAMETERS = {"sqlite": 32_000, "postgresql": 60_000}


def copy_rows(table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """PostgreSQL's COPY: the fastest way in, and no SQL text to build or parse for each row."""
    quote = connection.ops.quote_name
    statement = f"COPY {quote(table)} ({', '.join(quote(c) for c in columns)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)


def instances(model: type[_M], rows: Sequence[dict[str, Any]]) -> list[_M]:
    """Unsaved model instances from column values (attnames: ``batch_id``, not ``batch``), without
    ``Model.__init__``'s per-field work: a list of 100,000 rows spent more time constructing its
    objects than inserting them. Fields not given take their default, as ``__init__`` would."""
    fixed: dict[str, Any] = {}
    fresh: list[tuple[str, Any]] = []
    for f in model._meta.concrete_fields:
        if f.primary_key:
            fixed[f.attname] = None
        elif callable(f.default) and f.has_default():
            fresh.append((f.attname, f.default))
        else:
            fixed[f.attname] = f.get_default()
    made = []
    new = model.__new__
    for values in rows:
        obj = new(model)
        state = ModelState()
        state.db = None
        obj._state = state
        data = {**fixed, **values}
        for name, make in fresh:
            if name not in values:
                data[name] = make()
        obj.__dict__.update(data)
        made.append(obj)
    return made


class _Prepared:
    """A field's database value, prepared once per distinct value: a list's rows share a few datetimes,
    dates and empty lists, and ``get_db_prep_save`` is the ORM's dearest per-value step."""

    def __init__(self, field: Any) -> None:
        self.field = field
        self.seen: dict[Any, Any] = {}

    def __call__(self, value: Any) -> Any:
        try:
            key = (type(value), value) if not isinstance(value, list | dict) else (type(value), repr(value))
            return self.seen[key]
        except KeyError:
            prepared = self.seen[key] = self.field.get_db_prep_save(value, connection)
            if len(self.seen) > 10_000:
                self.seen.clear()
            return prepared
        except TypeError:
            return self.field.get_db_prep_save(value, connection)


def _preparers(fields: Sequence[Any]) -> list[Any]:
    plain = [isinstance(f, _PLAIN) and not isinstance(f, models.JSONField) for f in fields]
    return [None if is_plain else _Prepared(f) for f, is_plain in zip(fields, plain, strict=True)]


def _row_reader(fields: Sequence[Any]) -> Any:
    """A function from an object to its column values: one C-level ``itemgetter`` over the instance's
    ``__dict__``, then the few columns that need the ORM's preparation (datetimes, dates, JSON)."""
    preparers = _preparers(fields)
    names = [f.attname for f in fields]
    # itemgetter of one name gives the value, not a 1-tuple: ask for the name twice and keep one.
    get: Any = operator.itemgetter(*names) if len(names) > 1 else operator.itemgetter(*names, *names)
    special = [(i, prep) for i, prep in enumerate(preparers) if prep is not None]
    width = len(names)

    def read(obj: Any) -> list[Any]:
        row = list(get(obj.__dict__))[:width]
        for i, prep in special:
            row[i] = prep(row[i])
        return row

    return read


def _prepared_rows(fields: Sequence[Any], objects: Sequence[Any]) -> list[list[Any]]:
    read = _row_reader(fields)
    return [read(obj) for obj in objects]


def _copy_with_ids(model: type[_M], objects: Sequence[_M], fields: Sequence[Any]) -> None:
    """Take the ids from the table's sequence first, then COPY the rows with them."""
    pk = model._meta.pk
    assert pk is not None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [model._meta.db_table, pk.column, len(objects)],
        )
        ids = [row[0] for row in cursor.fetchall()]
    for obj, new_pk in zip(objects, ids, strict=True):
        obj.pk = new_pk
        obj._state.adding = False
        obj._state.db = connection.alias
    rows = _prepared_rows(fields, objects)
    copy_rows(
        model._meta.db_table,
        [pk.column, *(f.column for f in fields)],
        [[obj.pk, *row] for obj, row in zip(objects, rows, strict=True)],
    )


def insert_returning_ids(model: type[_M], objects: Sequence[_M]) -> list[_M]:
    if not objects:
        return list(objects)
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    for field in fields:
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            value = field.pre_save(objects[0], True)
            for obj in objects:
                setattr(obj, field.attname, value)
    if connection.vendor == "postgresql":
        _copy_with_ids(model, objects, fields)
        return list(objects)
    read = _row_reader(fields)
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(f.column) for f in fields)
    row_sql = "(" + ", ".join(["%s"] * len(fields)) + ")"
    pk_column = quote(model._meta.pk.column)
    per_statement = max(1, MAX_PARAMETERS.get(connection.vendor, 999) // len(fields))
    with connection.cursor() as cursor:
        for start in range(0, len(objects), per_statement):
            chunk = objects[start : start + per_statement]
            params: list[Any] = []
            for obj in chunk:
                params.extend(read(obj))
            sql = f"INSERT INTO {table} ({columns}) VALUES {', '.join([row_sql] * len(chunk))} RETURNING {pk_column}"  # noqa: S608,E501
            cursor.execute(sql, params)
            for obj, (new_pk,) in zip(chunk, cursor.fetchall(), strict=True):
                obj.pk = new_pk
                obj._state.adding = False
                obj._state.db = connection.alias
    return list(objects)


def insert_rows(
    table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]], batch_size: int = 5000
) -> None:
    """Rows of values already in the driver's types, without ids back: COPY on PostgreSQL, prepared
    ``executemany`` elsewhere (table and column names come from our own models, never from input)."""
    if not rows:
        return
    if connection.vendor == "postgresql":
        copy_rows(table, columns, rows)
        return
    quote = connection.ops.quote_name
    sql = (
        f"INSERT INTO {quote(table)} ({', '.join(quote(c) for c in columns)}) "  # noqa: S608
        f"VALUES ({', '.join(['%s'] * len(columns))})"
    )
    with connection.cursor() as cursor:
        for start in range(0, len(rows), batch_size):
            cursor.executemany(sql, rows[start : start + batch_size])


def insert_rows_returning_ids(
    table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]], pk_column: str = "id"
) -> list[int]:
    """Rows of prepared values (no model objects) in, their new primary keys out, in order.

    PostgreSQL: the ids drawn from the table's sequence first, then one COPY. Elsewhere: multi-row
    ``INSERT … RETURNING`` sized to the parameter limit (as :func:`insert_returning_ids`)."""
    if not rows:
        return []
    quote = connection.ops.quote_name
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table, pk_column, len(rows)],
            )
            ids = [row[0] for row in cursor.fetchall()]
        copy_rows(table, [pk_column, *columns], [(pk, *row) for pk, row in zip(ids, rows, strict=True)])
        return ids
    names = ", ".join(quote(c) for c in columns)
    row_sql = "(" + ", ".join(["%s"] * len(columns)) + ")"
    per_statement = max(1, MAX_PARAMETERS.get(connection.vendor, 999) // len(columns))
    ids = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per_statement):
            chunk = rows[start : start + per_statement]
            params = [value for row in chunk for value in row]
            sql = (
                f"INSERT INTO {quote(table)} ({names}) VALUES {', '.join([row_sql] * len(chunk))} "  # noqa: S608
                f"RETURNING {quote(pk_column)}"
            )
            cursor.execute(sql, params)
            ids.extend(row[0] for row in cursor.fetchall())
    if len(ids) != len(rows):
        raise RuntimeError("the database did not return a primary key for every row")
    return ids


def update_fields(model: type[_M], objects: Sequence[_M], field_names: Sequence[str]) -> int:
    """``QuerySet.bulk_update`` without its ``CASE WHEN`` per row (which the ORM compiles expression by
    expression: seconds for a few thousand rows): one prepared ``UPDATE … SET … WHERE pk = %s`` run for
    every object (``executemany``). The objects' current values of ``field_names`` are written."""
    if not objects:
        return 0
    meta = model._meta
    fields: list[Any] = [meta.get_field(name) for name in field_names]
    plain = [isinstance(f, _PLAIN) and not isinstance(f, models.JSONField) for f in fields]
    quote = connection.ops.quote_name
    assert meta.pk is not None
    sets = ", ".join(f"{quote(f.column)} = %s" for f in fields)
    sql = f"UPDATE {quote(meta.db_table)} SET {sets} WHERE {quote(meta.pk.column)} = %s"  # noqa: S608
    rows = []
    for obj in objects:
        values = obj.__dict__
        row = [
            values[f.attname] if is_plain else f.get_db_prep_save(values[f.attname], connection)
            for f, is_plain in zip(fields, plain, strict=True)
        ]
        row.append(obj.pk)
        rows.append(row)
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)
    return len(rows)
