"""Bulk INSERT … RETURNING id without the ORM compiler's per-field, per-row work.

``QuerySet.bulk_create`` spends most of a large load compiling SQL (and, on SQLite, caps a statement at
999 parameters). Here values are prepared once per field kind, rows go in multi-row statements sized to
the database's parameter limit, and primary keys come back with RETURNING (SQLite ≥ 3.35, PostgreSQL).
Only services' bulk paths use it, and they still write the audit rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from django.db import connection, models

_M = TypeVar("_M", bound=models.Model)
# Fields whose Python value is already what the database driver takes.
_PLAIN = (models.CharField, models.TextField, models.IntegerField, models.BooleanField, models.ForeignKey)
MAX_PARAMETERS = {"sqlite": 32_000, "postgresql": 60_000}


def copy_rows(table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """PostgreSQL's COPY: the fastest way in, and no SQL text to build or parse for each row."""
    quote = connection.ops.quote_name
    statement = f"COPY {quote(table)} ({', '.join(quote(c) for c in columns)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)


def _prepared_rows(fields: Sequence[Any], objects: Sequence[Any]) -> list[list[Any]]:
    plain = [isinstance(f, _PLAIN) and not isinstance(f, models.JSONField) for f in fields]
    rows = []
    for obj in objects:
        values = obj.__dict__
        rows.append(
            [
                values[f.attname] if is_plain else f.get_db_prep_save(values[f.attname], connection)
                for f, is_plain in zip(fields, plain, strict=True)
            ]
        )
    return rows


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
    plain = [isinstance(f, _PLAIN) and not isinstance(f, models.JSONField) for f in fields]
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
                values = obj.__dict__
                for field, is_plain in zip(fields, plain, strict=True):
                    value = values[field.attname]
                    params.append(value if is_plain else field.get_db_prep_save(value, connection))
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
