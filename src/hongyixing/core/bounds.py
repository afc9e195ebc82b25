"""Whole numbers from the outside world, range-checked before they reach a query.

A key that does not fit the database's 64-bit integer makes the driver raise (SQLite: OverflowError;
PostgreSQL: "out of range") — a 500. Every integer a client sends (API path, query and body fields,
page paths and form fields) goes through one of these instead:

- ``Key`` for the API (a pydantic-constrained int: out of range is a validation error, never a 500);
- the ``key`` path converter for the pages (``<key:person_id>``; out of range does not match: 404);
- ``parse_key`` for a form or query-string value (out of range or not a number: the default).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

MAX_KEY = 2**63 - 1  # bigint on PostgreSQL, INTEGER on SQLite

Key = Annotated[int, Field(ge=0, le=MAX_KEY)]
SignedInt = Annotated[int, Field(ge=-MAX_KEY, le=MAX_KEY)]


def parse_key(value: object, default: int | None = None) -> int | None:
    text = str(value if value is not None else "").strip()
    if not text.isascii() or not text.isdigit() or len(text) > 19:
        return default
    number = int(text)
    return number if number <= MAX_KEY else default


class KeyConverter:
    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > MAX_KEY:
            raise ValueError(value)  # no match: the page answers 404
        return number

    def to_url(self, value: int) -> str:
        return str(int(value))
