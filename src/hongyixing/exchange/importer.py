"""The master-data import engine: column specs with Chinese synonyms, per-row checks, a dry-run diff.

Each kind (units, grids, residents, staff) is an :class:`ImportSpec` in its own app's ``imports.py``;
this module knows no models. A spec's ``plan`` reads the mapped rows and the database and returns one
:class:`RowOutcome` per row (new / changed with the fields / unchanged / error) plus a plan; ``apply``
writes the plan through the app's bulk services. :func:`run_import` reads the file, maps the headers,
plans, and applies only when it is not a dry run and no row has an error: all or nothing.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.db import transaction
from django.utils.functional import Promise
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from . import limits
from .columns import MappedRow, normalise_header
from .errors import FileRefused, MappingError
from .tabular import Skipped, Table, read_table
from .writers import write_xlsx

NEW, CHANGED, UNCHANGED, ERROR = "new", "changed", "unchanged", "error"

# Where each kind's spec lives: the engine imports them lazily so that exchange depends on no app.
KINDS: dict[str, str] = {
    "units": "hongyixing.areas.imports.UNITS",
    "grids": "hongyixing.areas.imports.GRIDS",
    "residents": "hongyixing.people.imports.RESIDENTS",
    "staff": "hongyixing.accounts.imports.STAFF",
}


@dataclass(frozen=True)
class Column:
    field: str
    label: str | Promise  # what a template header shows (an English msgid; zh in the catalogue)
    synonyms: tuple[str, ...]
    required: bool = False


@dataclass(slots=True)
class RowOutcome:
    row_number: int
    status: str
    changes: list[str] = field(default_factory=list)  # labels of the fields a changed row changes
    errors: list[str] = field(default_factory=list)
    key: str = ""  # what the row is about (a masked ID, a grid code), for people reading the report

    def fail(self, message: str) -> None:
        self.status = ERROR
        self.errors.append(message)


@dataclass
class ImportContext:
    actor: Any
    roots: tuple[str, ...]  # unit paths the actor may import into; () with ``everything``
    everything: bool = False

    def covers(self, path: str) -> bool:
        return self.everything or any(path.startswith(root) for root in self.roots)


@dataclass(frozen=True)
class Implied:
    """Something a file implies but does not do (a death, a move-out, a move): ``link`` is the page on
    which a person confirms it."""

    text: str
    link: str = ""

    def __str__(self) -> str:
        return self.text


@dataclass
class ImportReport:
    kind: str
    filename: str = ""
    rows: list[RowOutcome] = field(default_factory=list)
    refused: str = ""  # the whole file was refused: why
    skipped: list[Skipped] = field(default_factory=list)
    implied: list[Implied] = field(default_factory=list)  # moves / deaths / move-outs to confirm
    applied: bool = False
    dry_run: bool = True

    @property
    def has_errors(self) -> bool:
        return bool(self.refused) or any(row.status == ERROR for row in self.rows)

    def count(self, status: str) -> int:
        return sum(1 for row in self.rows if row.status == status)

    @property
    def counts(self) -> dict[str, int]:
        return {status: self.count(status) for status in (NEW, CHANGED, UNCHANGED, ERROR)}

    def error_lines(self) -> list[str]:
        """One line per row in error (or one line for a refused file)."""
        if self.refused:
            return [self.refused]
        separator = pgettext("list separator", ", ")
        # zh: 第 %(row)s 行：%(errors)s
        return [
            _("Row %(row)s: %(errors)s") % {"row": row.row_number, "errors": separator.join(row.errors)}
            for row in self.rows
            if row.status == ERROR
        ]

    def report_xlsx(self) -> bytes:
        """The per-row report (row, result, changed fields, errors) as an xlsx file."""
        buffer = io.BytesIO()
        separator = pgettext("list separator", ", ")
        labels = status_labels()
        write_xlsx(
            buffer,
            # zh: 行号 / 结果 / 对象 / 变更的字段 / 错误
            [_("Row"), _("Result"), _("Record"), _("Changed fields"), _("Errors")],
            (
                [
                    row.row_number,
                    labels[row.status],
                    row.key,
                    separator.join(row.changes),
                    separator.join(row.errors),
                ]
                for row in self.rows
            ),
            sheet_name=self.kind,
        )
        return buffer.getvalue()


def status_labels() -> dict[str, str]:
    return {
        NEW: _("New"),  # zh: 新增
        CHANGED: _("Changed"),  # zh: 有变更
        UNCHANGED: _("Unchanged"),  # zh: 无变化
        ERROR: _("Error"),  # zh: 错误
    }


class ImportSpec(Protocol):
    kind: str
    columns: tuple[Column, ...]

    def plan(self, rows: list[MappedRow], context: ImportContext) -> tuple[list[RowOutcome], Any]: ...

    def prepare(self, plan: Any) -> None:
        """The part of ``apply`` that needs no database (sealing, say), done ahead of the writing."""

    def apply(self, plan: Any, context: ImportContext) -> None: ...

    def implied(self, plan: Any, context: ImportContext) -> list[Implied]: ...


def spec_for(kind: str) -> ImportSpec:
    if kind not in KINDS:
        # zh: 未知的导入类型：%(kind)s
        raise FileRefused("import.unknown_kind", _("Unknown import kind: %(kind)s") % {"kind": kind})
    spec: ImportSpec = import_string(KINDS[kind])
    return spec


# --- Headers ------------------------------------------------------------------------------------------


def _key(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text)
    for opening, closing in ("()", "[]", "【】"):
        while opening in folded and closing in folded.split(opening, 1)[1]:
            before, rest = folded.split(opening, 1)
            folded = before + rest.split(closing, 1)[1]
    return normalise_header(folded)


def match_column(columns: Sequence[Column], header: str) -> tuple[str, bool] | None:
    """(field, exact) for a header, exact synonyms first, then the longest synonym it contains."""
    key, full = _key(header), normalise_header(header)
    if not full:
        return None
    for column in columns:
        names = {_key(s) for s in column.synonyms} | {column.field}
        if key in names or full in names:
            return column.field, True
    contained = sorted(
        ((_key(s), column.field) for column in columns for s in column.synonyms), key=lambda p: -len(p[0])
    )
    for synonym, name in contained:
        if synonym and synonym in full:
            return name, False
    return None


def header_counter(columns: Sequence[Column]) -> Any:
    def count(cells: Sequence[str]) -> int:
        return len({m[0] for cell in cells if cell and (m := match_column(columns, cell))})

    return count


def detect(columns: Sequence[Column], headers: Sequence[str]) -> dict[str, int]:
    matches = [match_column(columns, header) for header in headers]
    mapping: dict[str, int] = {}
    for want_exact in (True, False):
        for index, match in enumerate(matches):
            if match is None or match[1] is not want_exact or index in mapping.values():
                continue
            mapping.setdefault(match[0], index)
    return mapping


def resolve(
    columns: Sequence[Column], headers: Sequence[str], explicit: Mapping[str, str] | None = None
) -> dict[str, int]:
    """Field → column index: detected, then ``explicit`` (header text → field, "" = ignore) applied."""
    mapping = detect(columns, headers)
    fields = {column.field for column in columns}
    for header, name in (explicit or {}).items():
        if header not in headers:
            continue
        index = headers.index(header)
        mapping = {f: i for f, i in mapping.items() if i != index}
        if name:
            if name not in fields:
                # zh: 未知的字段：%(field)s
                raise MappingError("mapping.unknown_field", _("Unknown field: %(field)s") % {"field": name})
            mapping[name] = index
    missing = [str(column.label) for column in columns if column.required and column.field not in mapping]
    if missing:
        raise FileRefused(
            "file.missing_columns",
            # zh: 文件缺少必需的列：%(columns)s。请检查表头是否写对
            _("The file has no column for: %(columns)s. Check that the header row names it")
            % {"columns": pgettext("list separator", ", ").join(missing)},
        )
    return mapping


def unknown_headers(columns: Sequence[Column], table: Table) -> list[str]:
    """Headers that map to no field: what the mapping step asks about."""
    mapped = set(detect(columns, table.headers).values())
    return [header for index, header in enumerate(table.headers) if header and index not in mapped]


def mapped_rows(table: Table, mapping: Mapping[str, int]) -> list[MappedRow]:
    rows = []
    for row in table.rows:
        cells = row.cells
        values = {name: cells[index] if index < len(cells) else "" for name, index in mapping.items()}
        if row.damaged:
            damaged = frozenset(name for name, index in mapping.items() if index in row.damaged)
            rows.append(MappedRow(row.number, values, {}, cells, damaged))
        else:
            rows.append(MappedRow(row.number, values, {}, cells))
    return rows


# --- Running ------------------------------------------------------------------------------------------


def read(spec: ImportSpec, data: bytes, filename: str) -> Table:
    words = frozenset(s for column in spec.columns for s in column.synonyms)
    return read_table(
        data,
        filename,
        max_bytes=limits.REGISTER_MAX_BYTES,
        max_rows=limits.REGISTER_MAX_ROWS,
        max_cells=limits.REGISTER_MAX_CELLS,
        max_uncompressed=limits.REGISTER_ZIP_MAX_TOTAL_UNCOMPRESSED,
        count_headers=header_counter(spec.columns),
        header_words=words,
    )


def run_import(
    kind: str,
    data: bytes,
    filename: str,
    context: ImportContext,
    *,
    dry_run: bool,
    mapping: Mapping[str, str] | None = None,
    write_slot: AbstractContextManager[object] | None = None,
) -> ImportReport:
    """Read, map, check every row; write everything or nothing (never with an error, never on a dry run).

    ``write_slot``, when given, is entered around the writing transaction only (never when nothing is
    written), after the spec has done what needs no database (``prepare``): the demo's parallel register
    load writes its slices one after another, in file order, while the next slice is read, planned and
    prepared in another process. Without it, ``apply`` does everything, a slice at a time."""
    report = ImportReport(kind, filename, dry_run=dry_run)
    try:
        spec = spec_for(kind)
        table = read(spec, data, filename)
        indexes = resolve(spec.columns, table.headers, mapping)
    except FileRefused as refusal:
        report.refused = refusal.message
        return report
    report.skipped = table.skipped
    rows = mapped_rows(table, indexes)
    del table  # the rows' cells live on in ``rows``; a large register is held once, not twice
    for row in rows:
        for name in sorted(row.damaged_fields):
            row.values[name] = ""  # a rounded number is no value; the spec reports it as missing/bad
    outcomes, plan = spec.plan(rows, context)
    for row, outcome in zip(rows, outcomes, strict=True):
        if row.damaged_fields:
            # zh: 这一行的数字被表格软件改坏了（最后几位已丢失），请把这一列设成文本格式后重新填写
            outcome.fail(_("a number in this row was rounded by the spreadsheet program"))
    report.rows = outcomes
    del rows  # what apply needs is in the plan: the file's values go before the writing starts
    if report.has_errors:
        return report
    report.implied = spec.implied(plan, context)
    if dry_run:
        return report
    if write_slot is not None:
        spec.prepare(plan)  # held whole until written: fine for a slice, not for any file
    with write_slot if write_slot is not None else nullcontext(), transaction.atomic():
        spec.apply(plan, context)
    report.applied = True
    return report
