"""An uploaded spreadsheet or CSV file → a header and rows of text cells, or a clear refusal.

Nothing is dropped without a trace: blank rows, totals and signature lines under the table and
repeated header rows are listed in ``Table.skipped`` with their row numbers; numbers a spreadsheet
already damaged (an 18-digit ID stored as a float) are flagged per cell. Formulas are never
evaluated: python-calamine returns the value cached in the file.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import TypeVar

import python_calamine
from django.utils.translation import gettext as _

from . import limits
from .cells import clean_text, column_letters, is_damaged_number, row_text
from .columns import FIELD_LABELS, HEADER_WORDS, count_known_headers
from .errors import FileRefused
from .formulas import uncached_formulas
from .guard_xls import check_xls
from .guard_xlsx import check_xlsx
from .writers import write_csv, write_xlsx

# Callers import the whole file side from here (reading, refusals, and the writers for results).
__all__ = [
    "FileRefused",
    "Row",
    "Skipped",
    "Table",
    "decode_text",
    "detect_format",
    "file_size_text",
    "fingerprint",
    "is_footer",
    "read_table",
    "sniff_delimiter",
    "write_csv",
    "write_xlsx",
]

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
EXCEL_EXTENSIONS = frozenset({".xlsx", ".xlsm", ".xls", ".et"})
TEXT_EXTENSIONS = frozenset({".csv", ".txt", ".tsv"})
DELIMITERS = (",", "\t", ";")

# Lines under (or inside) a table that are not people: totals, signatures, notes.
_TOTAL_WORDS = ("合计", "共计", "总计", "小计")
_NOTE_WORDS = (
    "制表", "填报", "填表", "审核", "备注", "说明", "注:", "注：", "签字", "负责人", "联系人", "报送",
)  # fmt: skip
_HEADCOUNT = re.compile(r"^共\s*[0-9]+\s*(人|名|条|行|户)")
# Systems that export CSV for Excel often write ="0320…" so that Excel keeps the digits as text.
_EXCEL_TEXT_FORMULA = re.compile(r'^="([^"]*)"$')
# Web pages and Excel 2003 XML that some systems save with an .xls name.
_MARKUP_START = (b"<!doctype html", b"<html", b"<table", b"<?xml", b"<meta", b"<head", b"<body")

_V = TypeVar("_V")

SKIP_BLANK = "row.blank"
SKIP_FOOTER = "row.footer"
SKIP_REPEATED_HEADER = "row.repeated_header"


@dataclass
class Row:
    number: int  # 1-based row number as the spreadsheet shows it (the record number in a CSV file)
    cells: list[str]
    damaged: frozenset[int] = frozenset()  # column indexes whose number a spreadsheet rounded
    formulas: frozenset[int] = frozenset()  # column indexes holding a formula's text (no saved value)

    @property
    def is_blank(self) -> bool:
        return not any(self.cells)


@dataclass(frozen=True)
class Skipped:
    row_number: int
    code: str  # SKIP_BLANK, SKIP_FOOTER or SKIP_REPEATED_HEADER
    text: str = ""  # the line's text for footers, so a report can quote it

    @property
    def reason(self) -> str:
        if self.code == SKIP_BLANK:
            return _("Blank row")  # zh: 空行
        if self.code == SKIP_FOOTER:
            return _("Totals, signature or note line")  # zh: 合计、落款或说明行
        return _("The header row repeated")  # zh: 重复的表头行


@dataclass
class Table:
    headers: list[str]
    header_row: int
    rows: list[Row]
    fingerprint: str  # SHA-256 of the uploaded bytes: the same file uploaded twice is recognised
    format: str  # "xlsx", "xls" or "csv"
    filename: str
    preamble: list[Row] = field(default_factory=list)  # non-blank rows above the header (titles)
    skipped: list[Skipped] = field(default_factory=list)
    sheet_name: str | None = None
    encoding: str | None = None
    delimiter: str | None = None

    def skipped_count(self, code: str | None = None) -> int:
        return sum(1 for item in self.skipped if code is None or item.code == code)

    @property
    def damaged_cells(self) -> list[tuple[int, int]]:
        """(row number, column index) of every cell holding a number a spreadsheet rounded."""
        return [(row.number, column) for row in self.rows for column in sorted(row.damaged)]

    def column_name(self, index: int) -> str:
        """The header of a column, or its letter when the header cell is empty."""
        header = self.headers[index] if index < len(self.headers) else ""
        return header or column_letters(index + 1)


def fingerprint(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def word_counter(words: frozenset[str]) -> Callable[[Sequence[str]], int]:
    """A header counter for a list with its own column names (an enterprise register, say)."""

    def count(cells: Sequence[str]) -> int:
        return len(words.intersection("".join(cell.split()) for cell in cells if cell))

    return count


def read_table(
    data: bytes,
    filename: str,
    *,
    max_bytes: int = limits.MAX_BYTES,
    max_rows: int = limits.MAX_ROWS,
    max_cells: int | None = None,  # None: the limits module's values, read when called
    max_uncompressed: int | None = None,
    count_headers: Callable[[Sequence[str]], int] = count_known_headers,
    header_words: frozenset[str] = HEADER_WORDS,
) -> Table:
    """Read the first sheet with data (xlsx, xls) or a CSV file; raise FileRefused for the whole file.

    ``count_headers`` and ``header_words`` say what a header row looks like; the defaults know the
    push-list columns, master-data imports pass their own (see ``exchange.importer``).
    """
    if len(data) > max_bytes:
        raise FileRefused(
            "file.too_large",
            # zh: 文件超过了 %(limit)s 的上限（这个文件有 %(size)s），请拆分后再上传
            _("The file is larger than the limit of %(limit)s (it has %(size)s); split it and try again")
            % {"limit": file_size_text(max_bytes), "size": file_size_text(len(data))},
        )
    if not data.strip():
        raise FileRefused("file.empty", _("The file is empty"))  # zh: 文件是空的
    kind = detect_format(data, filename)
    encoding = delimiter = sheet_name = None
    if kind == "csv":
        rows, encoding, delimiter = _read_csv(
            data, max_rows, excel_name=_extension(filename) in EXCEL_EXTENSIONS
        )
    else:
        # calamine aborts the process (it does not raise) on some hostile files; see the guards.
        cells = limits.MAX_CELLS if max_cells is None else max_cells
        if kind == "xlsx":
            check_xlsx(data, max_cells=cells, max_uncompressed=max_uncompressed)
        else:
            check_xls(data, max_cells=cells)
        sheet_name, rows = _read_workbook(data, max_rows, cells)
        if kind == "xlsx":
            _keep_formula_text(rows, uncached_formulas(data, sheet_name))
    headers, header_row, body, preamble, skipped = _split_table(rows, count_headers, header_words)
    return Table(
        headers=headers,
        header_row=header_row,
        rows=body,
        fingerprint=fingerprint(data),
        format=kind,
        filename=filename,
        preamble=preamble,
        skipped=skipped,
        sheet_name=sheet_name,
        encoding=encoding,
        delimiter=delimiter,
    )


def _keep_formula_text(rows: list[Row], formulas: dict[tuple[int, int], str]) -> None:
    by_number = {row.number: row for row in rows}
    for (index, column), text in formulas.items():
        row = by_number.get(index + 1)
        if row is None or (column < len(row.cells) and row.cells[column]):
            continue
        row.cells += [""] * (column + 1 - len(row.cells))
        row.cells[column] = clean_text(text)
        row.formulas = row.formulas | {column}


def file_size_text(size: int) -> str:
    """'20 MB', '5.3 KB', '812 B': units people know, one decimal at most."""
    for unit, scale in (("MB", limits.MiB), ("KB", 1024)):
        if size >= scale:
            return f"{size / scale:.1f}".removesuffix(".0") + f" {unit}"
    return f"{size} B"


def _extension(filename: str) -> str:
    # Old browsers send the full Windows path of the upload.
    return PurePosixPath(filename.replace("\\", "/")).suffix.lower()


def detect_format(data: bytes, filename: str) -> str:
    """'xlsx', 'xls' or 'csv', by content first; the name only decides what a text file may be."""
    if data.startswith(ZIP_MAGIC):
        return "xlsx"
    if data.startswith(OLE_MAGIC):
        return "xls"
    extension = _extension(filename)
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(_MARKUP_START):
        raise FileRefused(
            "file.unsupported",
            # zh: 这个文件其实是网页或 XML 格式，只是用了表格的扩展名。
            # 请用 Excel 或 WPS 打开后另存为 .xlsx 再上传
            _(
                "This file is really a web page or XML saved under a spreadsheet name; open it in Excel "
                "or WPS, save it as .xlsx and upload that"
            ),
            "markup",
        )
    if extension in TEXT_EXTENSIONS or extension in EXCEL_EXTENSIONS:
        # Some systems export CSV text under an .xls name; it is read as what it is.
        return "csv"
    raise FileRefused(
        "file.unsupported",
        # zh: 只能导入 Excel（.xlsx、.xls）或 CSV（.csv、.txt）文件
        _("Only Excel (.xlsx, .xls) and CSV (.csv, .txt) files can be imported"),
        f"extension {extension!r}",
    )


# --- Excel ------------------------------------------------------------------------------------------


def _refuse_unreadable(detail: str) -> FileRefused:
    # zh: 文件已损坏，或者不是真正的 Excel 文件
    return FileRefused("file.unreadable", _("The file is damaged or is not a real Excel file"), detail)


def _refuse_password() -> FileRefused:
    return FileRefused(
        "file.unreadable",
        # zh: 文件设置了打开密码，请在 Excel 或 WPS 里取消密码后重新上传
        _("The file is protected by a password; remove the password in Excel or WPS and upload it again"),
        "password",
    )


def _calamine_failure(exc: BaseException) -> FileRefused:
    if isinstance(exc, python_calamine.PasswordError):
        return _refuse_password()
    return _refuse_unreadable(f"{type(exc).__name__}: {exc}")


def _read_workbook(data: bytes, max_rows: int, max_cells: int | None = None) -> tuple[str, list[Row]]:
    # A malformed file can make the Rust parser panic, which pyo3 raises as a BaseException subclass
    # (PanicException); that is a bad upload, not a reason to stop the worker.
    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:
        raise _calamine_failure(exc) from exc
    with workbook:
        names = [
            sheet.name
            for sheet in workbook.sheets_metadata
            if sheet.typ == python_calamine.SheetTypeEnum.WorkSheet
            and sheet.visible == python_calamine.SheetVisibleEnum.Visible
        ]
        best_name, best_rows, best_count = "", [], 0
        for name in names:
            rows = _read_sheet(workbook, name, max_rows, max_cells)
            count = sum(1 for row in rows if not row.is_blank)
            if count > best_count:
                best_name, best_rows, best_count = name, rows, count
            if best_count and name == names[0]:
                break  # the first visible sheet has data: that is the list
    if not best_count:
        # zh: 文件里没有任何数据（隐藏的工作表不会被读取）
        raise FileRefused("file.empty", _("The file holds no data (hidden sheets are not read)"))
    return best_name, best_rows


def _read_sheet(
    workbook: python_calamine.CalamineWorkbook, name: str, max_rows: int, max_cells: int | None = None
) -> list[Row]:
    try:
        sheet = workbook.get_sheet_by_name(name)
        end = sheet.end
        height, width = (end[0] + 1, end[1] + 1) if end else (0, 0)
        _check_size(height, width, max_rows, max_cells)
        values = sheet.to_python(skip_empty_area=False)
        merged = sheet.merged_cell_ranges or []
    except FileRefused:
        raise
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # see _read_workbook: Rust panics arrive as BaseException
        raise _calamine_failure(exc) from exc
    _fill_merged_down(values, merged)
    return [Row(index + 1, *row_text(line)) for index, line in enumerate(values)]


def _fill_merged_down(values: list[list[_V]], merged: list[tuple[tuple[int, int], tuple[int, int]]]) -> None:
    """A value merged over several rows (one 来源 for a whole block) belongs to each of those rows.

    Only downwards, in the merge's first column: a cell merged across columns is one value, and
    copying it sideways would invent duplicate headers.
    """
    for (top, left), (bottom, _right) in merged:
        if bottom <= top or top >= len(values) or left >= len(values[top]):
            continue
        value = values[top][left]
        for line in values[top + 1 : bottom + 1]:
            if left < len(line) and line[left] in ("", None):
                line[left] = value


def _check_size(height: int, width: int, max_rows: int, max_cells: int | None = None) -> None:
    if max_cells is None:
        max_cells = limits.MAX_CELLS
    if height > max_rows:
        raise _refuse_rows(max_rows)
    if width > limits.MAX_COLUMNS:
        raise _refuse_columns()
    if height * width > max_cells:
        raise FileRefused(
            "file.too_large",
            # zh: 表格有 %(rows)s 行 × %(columns)s 列，超过了 %(limit)s 个单元格的上限
            _("The sheet has %(rows)s rows × %(columns)s columns, more than the limit of %(limit)s cells")
            % {"rows": height, "columns": width, "limit": f"{max_cells:,}"},
        )


def _refuse_rows(max_rows: int) -> FileRefused:
    return FileRefused(
        "file.too_many_rows",
        # zh: 文件超过了 %(limit)s 行的上限，请拆分成几个小文件再上传
        _("The file has more than %(limit)s rows; split it into smaller files") % {"limit": f"{max_rows:,}"},
    )


def _refuse_columns() -> FileRefused:
    return FileRefused(
        "file.too_many_columns",
        # zh: 表格超过了 %(limit)s 列的上限，请删除多余的列后重新保存
        _("The sheet has more than %(limit)s columns; delete the unused columns and save it again")
        % {"limit": f"{limits.MAX_COLUMNS:,}"},
    )


# --- CSV --------------------------------------------------------------------------------------------


def _refuse_binary(excel_name: bool) -> FileRefused:
    if excel_name:
        return _refuse_unreadable("binary content without a spreadsheet signature")
    # zh: 这个文件像是二进制文件，不是 CSV 文本文件
    return FileRefused("file.unreadable", _("The file looks like a binary file, not CSV text"), "binary")


def decode_text(data: bytes, *, excel_name: bool = False) -> tuple[str, str]:
    """(text, encoding). BOMs first, then strict UTF-8, then GB18030 (a superset of GBK and GB2312)."""
    if data.startswith(codecs.BOM_UTF8):
        candidates = ["utf-8-sig"]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = ["utf-16"]  # Excel's "Unicode text" (.txt) export: UTF-16 with tabs
    elif b"\x00" in data:
        raise _refuse_binary(excel_name)
    else:
        candidates = ["utf-8", "gb18030"]
    for encoding in candidates:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        sample = text[:65_536]
        controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\r\n")
        if "\x00" in sample or controls > len(sample) // 200:
            raise _refuse_binary(excel_name)
        return text, encoding
    if excel_name:
        raise _refuse_unreadable("undecodable text")
    raise FileRefused(
        "file.unreadable",
        # zh: 无法识别文件的文字编码，请另存为“CSV UTF-8”格式后重新上传
        _("The text encoding of the file is not recognised; save it as “CSV UTF-8” and upload it again"),
        "encoding",
    )


def sniff_delimiter(text: str) -> str:
    """The delimiter that splits the most lines into the same number (≥ 2) of fields."""
    sample = text[:65_536]
    if len(text) > len(sample) and "\n" in sample:
        sample = sample[: sample.rfind("\n")]
    best, best_score = DELIMITERS[0], (0, 0)
    for delimiter in DELIMITERS:
        try:
            lines = [
                row for row in csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter) if any(row)
            ]
        except csv.Error:
            continue
        counts: dict[int, int] = {}
        for row in lines[:50]:
            counts[len(row)] = counts.get(len(row), 0) + 1
        width, frequency = max(counts.items(), key=lambda item: (item[1], item[0]), default=(0, 0))
        score = (frequency, width) if width >= 2 else (0, 0)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _read_csv(data: bytes, max_rows: int, *, excel_name: bool) -> tuple[list[Row], str, str]:
    text, encoding = decode_text(data, excel_name=excel_name)
    delimiter = sniff_delimiter(text)
    reader = csv.reader(_lines(text), delimiter=delimiter)
    rows: list[Row] = []
    # One string object per distinct short value while reading: a register repeats its towns, villages,
    # groups, relations, rooms and common names on every row (long values are mostly unique).
    same: dict[str, str] = {}
    try:
        for number, record in enumerate(reader, start=1):
            if number > max_rows:
                raise _refuse_rows(max_rows)
            if len(record) > limits.MAX_COLUMNS:
                raise _refuse_columns()
            cells = [
                same.setdefault(cell, cell) if len(cell) <= 12 else cell for cell in map(_csv_cell, record)
            ]
            damaged = frozenset(column for column, value in enumerate(cells) if _looks_damaged(value))
            rows.append(Row(number, cells, damaged or _UNDAMAGED))
    except csv.Error as exc:
        # Most often an unclosed quote: the csv module's default 128 KB field limit (process-wide, so
        # left alone) stops it from swallowing the rest of the file into one cell.
        raise FileRefused(
            "file.unreadable",
            # zh: CSV 文件第 %(line)s 行附近无法读取（可能有没配对的引号）
            _("The CSV file cannot be read near line %(line)s (perhaps an unmatched quotation mark)")
            % {"line": reader.line_num},
            str(exc),
        ) from exc
    return rows, encoding, delimiter


_UNDAMAGED: frozenset[int] = frozenset()


def _lines(text: str) -> Iterator[str]:
    """The text's lines with their endings, for the csv reader (which joins a quoted multi-line cell
    again). Unlike ``io.StringIO`` it holds no second, four-bytes-a-character copy of a large file.
    A file with bare CR line ends (old Mac) goes through StringIO, which splits on those too."""
    if "\n" not in text and "\r" in text:
        yield from io.StringIO(text, newline="")
        return
    start, end = 0, len(text)
    while start < end:
        stop = text.find("\n", start)
        if stop < 0:
            yield text[start:]
            return
        yield text[start : stop + 1]
        start = stop + 1


def _csv_cell(value: str) -> str:
    text = value.strip() if value.isascii() else clean_text(value)
    if text.startswith('="'):
        match = _EXCEL_TEXT_FORMULA.match(text)
        if match:
            return clean_text(match.group(1))
    return text


def _looks_damaged(text: str) -> bool:
    # Cheap pre-check: the damage is always written with an exponent ("3.20813E+17").
    return ("E" in text or "e" in text or "Ｅ" in text or "ｅ" in text) and is_damaged_number(text)


# --- Header, body, footer -----------------------------------------------------------------------------


def _trim(cells: list[str]) -> list[str]:
    end = len(cells)
    while end and not cells[end - 1]:
        end -= 1
    return cells[:end]


_SERIAL = re.compile(r"^[0-9]{1,6}$")


def without_serial(cells: list[str]) -> list[str]:
    """The filled cells, less a leading 序号: lists number every line, the footer under them too
    (``41,制表人：张三``), and a numbered line with nothing else is a blank one."""
    filled = [cell for cell in cells if cell]
    if filled and cells and cells[0] == filled[0] and _SERIAL.match(filled[0]):
        return filled[1:]
    return filled


def is_footer(cells: list[str]) -> bool:
    """Totals ("合计：123人"), signatures ("制表人：张三 审核人：李四") and notes under a table, whether
    the sender numbered the line or not."""
    filled = without_serial(cells)
    if not filled:
        return False
    first = filled[0]
    if first.startswith(_TOTAL_WORDS) or _HEADCOUNT.match(first):
        return True
    if first.startswith(_NOTE_WORDS):
        return len(filled) == 1 or all(":" in cell or "：" in cell for cell in filled)
    return False


def _split_table(
    rows: Iterable[Row],
    count_headers: Callable[[Sequence[str]], int] = count_known_headers,
    known_words: frozenset[str] = HEADER_WORDS,
) -> tuple[list[str], int, list[Row], list[Row], list[Skipped]]:
    iterator: Iterator[Row] = iter(rows)
    preamble: list[Row] = []
    header: Row | None = None
    for row in iterator:
        if row.is_blank:
            continue
        if count_headers(row.cells) >= limits.MIN_HEADER_MATCHES:
            header = row
            break
        preamble.append(Row(row.number, _trim(row.cells), row.damaged))
        if len(preamble) >= limits.HEADER_SEARCH_ROWS:
            break
    if header is None:
        if not preamble:
            raise FileRefused("file.empty", _("The file is empty"))  # zh: 文件是空的
        examples = ", ".join(str(FIELD_LABELS[name]) for name in ("name", "id_number", "phone"))
        raise FileRefused(
            "file.no_header",
            # zh: 找不到表头：前 %(count)s 行里没有至少两个能识别的列名（例如 %(examples)s）
            _(
                "No header row found: none of the first %(count)s rows has at least two known column "
                "names (such as %(examples)s)"
            )
            % {"count": limits.HEADER_SEARCH_ROWS, "examples": examples},
        )
    headers = _trim(header.cells)
    # Cells that only a header row would hold: this file's own headers and the known synonyms.
    header_words = known_words.union(cell for cell in headers if cell)
    body: list[Row] = []
    skipped: list[Skipped] = []
    for row in iterator:
        if row.is_blank or not without_serial(row.cells):
            skipped.append(Skipped(row.number, SKIP_BLANK))
        elif len(header_words.intersection(row.cells)) >= limits.MIN_HEADER_MATCHES:
            # Printed lists repeat the header on every page; two-row headers put labels under it.
            skipped.append(Skipped(row.number, SKIP_REPEATED_HEADER))
        elif is_footer(row.cells):
            skipped.append(Skipped(row.number, SKIP_FOOTER, " ".join(cell for cell in row.cells if cell)))
        else:
            cells = _trim(row.cells)
            cells += [""] * (len(headers) - len(cells))
            body.append(Row(row.number, cells, row.damaged, row.formulas))
    if not body:
        # zh: 表头下面没有数据行
        raise FileRefused(
            "file.empty", _("There are no data rows under the header"), f"header row {header.number}"
        )
    return headers, header.number, body, preamble, skipped
