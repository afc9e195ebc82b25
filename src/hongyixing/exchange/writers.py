"""Exports: xlsx through XlsxWriter in streaming mode, CSV as UTF-8 with a BOM.

Every cell is written as text, so an ID number keeps all 18 digits and a value such as "=HYPERLINK(…)"
that came in with a push list can never run as a formula when the export is opened in Excel or WPS.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import IO, Any

import xlsxwriter
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from . import limits
from .cells import cell_text, display_width, needs_neutralising, neutralise
from .errors import ExportError

_SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_MIN_WIDTH, _MAX_WIDTH = 8, 60


def export_text(value: object) -> str:
    """A value as the text written to a cell; None is an empty cell, dates are ISO like on import."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool | int | float | dt.date | dt.time | dt.timedelta):
        return cell_text(value)
    return str(value)


def sheet_title(name: str) -> str:
    """A name Excel accepts: at most 31 characters, none of []:*?/\\, not starting or ending with '."""
    cleaned = _SHEET_NAME_FORBIDDEN.sub("_", name).strip().strip("'")[:31]
    return cleaned or "Sheet1"


def _column_width(header: str) -> int:
    return max(_MIN_WIDTH, min(_MAX_WIDTH, display_width(header) + 2))


def _write_text(worksheet: Any, row: int, column: int, text: str, quoted: Any) -> None:
    if not text:
        return
    if len(text) > limits.SHEET_MAX_CELL_CHARS:
        raise ExportError(
            "export.cell_too_long",
            # zh: 第 %(row)s 行有一个单元格超过了表格软件每格 %(limit)s 个字符的上限
            _("A cell in row %(row)s is longer than the %(limit)s characters a spreadsheet cell can hold")
            % {"row": row + 1, "limit": limits.SHEET_MAX_CELL_CHARS},
        )
    # quote_prefix is Excel's own "this is text" mark (what typing a leading ' does): the cell shows
    # "=1+1" and stays text even if someone edits it, without changing the stored value.
    status = worksheet.write_string(row, column, text, quoted if needs_neutralising(text) else None)
    if status != 0:
        # zh: 导出文件写入失败
        raise ExportError(
            "export.write_failed",
            _("The export could not be written"),
            f"XlsxWriter status {status}, row {row + 1}",
        )


def write_xlsx(
    target: str | os.PathLike[str] | IO[bytes],
    headers: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    sheet_name: str,
    meta: Mapping[str, str] | None = None,
) -> int:
    """Write one sheet (frozen header row) and, given ``meta``, a second sheet "说明" with who/when.

    Rows are streamed (constant-memory mode), so they must come in order; returns the number of data
    rows. Nothing is written to ``target`` if an ExportError is raised.
    """
    workbook = xlsxwriter.Workbook(
        os.fspath(target) if isinstance(target, os.PathLike) else target,
        {
            "constant_memory": True,
            # write_string never converts, but these keep any other write path from doing so either.
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
        },
    )
    bold = workbook.add_format({"bold": True})
    quoted = workbook.add_format({"quote_prefix": True})
    quoted_bold = workbook.add_format({"quote_prefix": True, "bold": True})
    title = sheet_title(sheet_name)
    worksheet = workbook.add_worksheet(title)
    worksheet.freeze_panes(1, 0)
    for column, header in enumerate(headers):
        worksheet.set_column(column, column, _column_width(header))
    for column, header in enumerate(headers):
        text = export_text(header)
        worksheet.write_string(0, column, text, quoted_bold if needs_neutralising(text) else bold)
    count = 0
    for count, row in enumerate(rows, start=1):
        if count >= limits.SHEET_MAX_ROWS:
            raise ExportError(
                "export.too_many_rows",
                # zh: 导出的数据超过了表格软件 %(limit)s 行的上限，请改用 CSV 导出或缩小范围
                _("The export has more rows than the %(limit)s a spreadsheet can hold; export CSV instead")
                % {"limit": f"{limits.SHEET_MAX_ROWS:,}"},
            )
        for column, value in enumerate(row):
            _write_text(worksheet, count, column, export_text(value), quoted)
    if meta:
        # A context of its own: "Notes" elsewhere is a column (备注), this is the sheet about the export.
        notes_title = sheet_title(pgettext("export sheet", "Notes"))  # zh: 说明
        notes = workbook.add_worksheet(notes_title if notes_title != title else f"{notes_title} 2")
        notes.set_column(0, 0, max([_MIN_WIDTH, *(_column_width(key) for key in meta)]))
        notes.set_column(1, 1, _MAX_WIDTH)
        for line, (key, value) in enumerate(meta.items()):
            _write_text(notes, line, 0, key, quoted)
            _write_text(notes, line, 1, value, quoted)
    workbook.close()
    return count


class _Utf8Sink:
    """Lets csv.writer, which writes str, write into a binary response, file or buffer."""

    def __init__(self, buffer: IO[bytes]) -> None:
        self._buffer = buffer

    def write(self, text: str) -> int:
        return self._buffer.write(text.encode("utf-8"))


def write_csv(buffer: IO[bytes], headers: Sequence[str], rows: Iterable[Sequence[object]]) -> int:
    """UTF-8 with a BOM (so Excel and WPS show Chinese correctly), CRLF, formula triggers quoted.

    Returns the number of data rows written.
    """
    buffer.write(codecs.BOM_UTF8)
    writer = csv.writer(_Utf8Sink(buffer), lineterminator="\r\n")
    writer.writerow([neutralise(export_text(header)) for header in headers])
    count = 0
    for count, row in enumerate(rows, start=1):  # noqa: B007 (count is the result)
        writer.writerow([neutralise(export_text(value)) for value in row])
    return count
