"""Checks an xlsx archive before python-calamine is allowed to open it.

Two attacks matter. A zip bomb: a small archive that inflates to gigabytes. And a *sparse-range
bomb*: calamine allocates a dense grid spanning the first to the last used cell, so one cell in A1
and one in XFD1048576 (a 5 KB file) makes the Rust side request 512 GiB and abort the process; that
cannot be caught. So every member is inflated once here, under hard limits, and the cell references
in it are measured.
"""

from __future__ import annotations

import copy
import io
import re
import zipfile
import zlib
from dataclasses import dataclass

from django.utils.translation import gettext as _

from . import limits
from .cells import column_letters, column_number
from .errors import FileRefused

_CHUNK = limits.MiB
_SPREADSHEET_TYPES = (
    b"spreadsheetml.sheet.main+xml",
    b"spreadsheetml.template.main+xml",
    b"ms-excel.sheet.macroEnabled.main+xml",
    b"ms-excel.template.macroEnabled.main+xml",
)

# How calamine places cells (calamine 0.37, xlsx/cells_reader.rs): a <c> start tag with an attribute
# named exactly "r" goes where r says (letters of either case); one without r goes to the current
# row, one column right of the previous cell; <row r="N"> sets the current row and </row> moves to
# the next one. Self-closing <c/> and <row/> are skipped. The grid it then allocates spans the
# furthest row and column used.
#
# The fast pass below finds every r="A1"-like attribute value with literal-prefixed patterns (several
# times faster in the re module than class-prefixed ones, which matters on a 150 MB sheet). Text is
# normalised only so that XML whitespace (tab, CR, LF, runs) reads as one space. Over-matching, such
# as the same text inside another attribute's value, only makes the check stricter.
_WHITESPACE = bytes.maketrans(b"\t\n\r", b"   ")
_SPACE_RUN = re.compile(rb"  +")
# Longer than any sane reference (' r = "XFD1048576"' is 17 bytes): windows overlap by this much so
# no reference is split between two of them; the "beyond Excel" pattern needs only a reference's start.
_OVERLAP = 64
_Q = rb"[\"']"
# A column of four letters or a row of eight digits is beyond any sheet Excel can make.
_BEYOND_EXCEL = re.compile(rb" r ?= ?" + _Q + rb"(?:[A-Za-z]{4}|[A-Za-z]{1,3}[0-9]{8})")
_ROWS_BY_DIGITS = [
    re.compile(rb" r ?= ?" + _Q + rb"[A-Za-z]{1,3}([1-9][0-9]{%d})" % (n - 1) + _Q) for n in range(7, 0, -1)
]
_COLUMNS = re.compile(rb" r ?= ?" + _Q + rb"([A-Za-z]{1,3})[0-9]")
# A cell start tag that has no attribute named r, reading attribute values as whole quoted strings so
# that text such as foo=' r="A1" ' inside another value cannot pass for one. Such members (few
# producers omit r) get the exact pass, which follows calamine's placement rules tag by tag.
_ATTRIBUTES = rb"(?: [^ =>/\"']+ ?= ?(?:\"[^\"]*\"|'[^']*'))*"
_CELL_WITHOUT_REF = re.compile(rb"<c(?=[ />])(?!" + _ATTRIBUTES + rb" r ?= ?" + _Q + rb")")
_PREFIXED_CELL_WITHOUT_REF = re.compile(rb":c(?=[ />])(?!" + _ATTRIBUTES + rb" r ?= ?" + _Q + rb")")
_TAG = re.compile(rb"<(/?)(?:[A-Za-z_][\w.-]*:)?(row|c)(?=[ />])(" + _ATTRIBUTES + rb") ?(/?)>")
_ATTRIBUTE = re.compile(rb" ([^ =>/\"']+) ?= ?(?:\"([^\"]*)\"|'([^']*)')")
_REFERENCE = re.compile(rb"([A-Za-z]+)([0-9]+)")
_MAX_TAG = limits.MiB
# The most Excel itself allows; a reference beyond it is not a spreadsheet we should read.
_EXCEL_MAX_COLUMN = 16_384
_EXCEL_MAX_ROW = limits.SHEET_MAX_ROWS


def _normalise(chunk: bytes) -> bytes:
    text = chunk.translate(_WHITESPACE)
    return _SPACE_RUN.sub(b" ", text) if b"  " in text else text


@dataclass
class _Extent:
    """The furthest row and column (1-based) calamine would place a cell of one member at."""

    max_row: int = 0
    max_column: int = 0
    implicit_positions: bool = False
    _carry: bytes = b""

    def feed(self, chunk: bytes) -> None:
        # Measure up to the last tag start and carry the rest, so that no tag (and no reference in
        # one) is ever split between two windows, nor a cell tag mistaken for one without r.
        window = _normalise(self._carry + chunk)
        cut = window.rfind(b"<")
        if cut < 0 or len(window) - cut > _MAX_TAG:
            # No tag is that long: measure everything, keeping an overlap for a reference at the end.
            self._measure(window)
            self._carry = window[-_OVERLAP:]
        else:
            self._measure(window[:cut])
            self._carry = window[cut:]

    def finish(self) -> None:
        self._measure(self._carry)
        self._carry = b""

    def _measure(self, window: bytes) -> None:
        if not self.implicit_positions and (
            _CELL_WITHOUT_REF.search(window) or _PREFIXED_CELL_WITHOUT_REF.search(window)
        ):
            self.implicit_positions = True
        if b" r" not in window:
            return
        if _BEYOND_EXCEL.search(window):
            self.max_row = max(self.max_row, 10**8)
            self.max_column = max(self.max_column, _EXCEL_MAX_COLUMN + 1)
            return
        # Only the longest row numbers can hold the maximum, so stop at the first length that occurs;
        # among digit strings of equal length, byte order is numeric order.
        for pattern in _ROWS_BY_DIGITS:
            rows = pattern.findall(window)
            if rows:
                self.max_row = max(self.max_row, int(max(rows)))
                break
        letters = set(_COLUMNS.findall(window))
        if letters:
            self.max_column = max(self.max_column, *(column_number(word.decode()) for word in letters))


def _reference_of(attributes: bytes) -> bytes | None:
    for name, double, single in _ATTRIBUTE.findall(attributes):
        if name == b"r":
            return bytes(double or single)
    return None


def _place(extent: _Extent, text: bytes, position: list[int]) -> None:
    """Place the cells of whole tags in ``text``; ``position`` is calamine's [row_index, col_index]."""
    row, column = position
    for closing, kind, attributes, empty in _TAG.findall(text):
        if empty:
            continue
        if kind == b"row":
            if closing:
                row, column = row + 1, 0
            elif (value := _reference_of(attributes)) is not None and value.isdigit():
                row = int(value) - 1
            continue
        if closing:
            continue
        value = _reference_of(attributes)
        found = _REFERENCE.fullmatch(value) if value is not None else None
        if found:
            column = column_number(found.group(1).decode()[:4]) - 1
            extent.max_row = max(extent.max_row, int(found.group(2)))
        else:
            extent.max_row = max(extent.max_row, row + 1)
        extent.max_column = max(extent.max_column, column + 1)
        column += 1
    position[:] = [row, column]


def _exact_extent(archive: zipfile.ZipFile, info: zipfile.ZipInfo, fast: _Extent) -> _Extent:
    """Walk the row and cell tags in order and place each cell as calamine does (see above)."""
    extent = _Extent(fast.max_row, fast.max_column)
    position = [0, 0]
    buffer = b""
    with archive.open(info) as stream:
        while chunk := stream.read(_CHUNK):
            buffer = _normalise(buffer + chunk)
            cut = buffer.rfind(b"<")
            if cut < 0:
                cut = len(buffer)
            elif len(buffer) - cut > _MAX_TAG:
                # Not a spreadsheet any program wrote, and skipping it could hide a cell.
                raise _refuse_damaged(f"{info.filename}: a tag or text longer than {_MAX_TAG} bytes")
            _place(extent, buffer[:cut], position)
            buffer = buffer[cut:]
    _place(extent, buffer, position)
    return extent


def _refuse_bomb(detail: str) -> FileRefused:
    return FileRefused(
        "file.zip_bomb",
        # zh: 文件解压后的数据量异常大，出于安全考虑拒绝读取。请确认文件是正常的表格后重新保存再上传
        _(
            "The file unpacks to far more data than a spreadsheet of its size should; it was refused "
            "for safety. Save the spreadsheet again and upload the new file"
        ),
        detail,
    )


def _refuse_damaged(detail: str) -> FileRefused:
    # zh: 文件已损坏，或者不是真正的 Excel 文件
    return FileRefused("file.unreadable", _("The file is damaged or is not a real Excel file"), detail)


def check_xlsx(
    data: bytes,
    *,
    max_cells: int = limits.MAX_CELLS,
    max_uncompressed: int | None = None,  # None: limits.ZIP_MAX_TOTAL_UNCOMPRESSED, read when called
) -> None:
    """Refuse an xlsx that is not a sound, modest spreadsheet archive; return silently otherwise."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise _refuse_damaged(f"not a zip archive: {exc}") from exc
    with archive:
        members = [info for info in archive.infolist() if not info.is_dir()]
        _check_directory(
            members, limits.ZIP_MAX_TOTAL_UNCOMPRESSED if max_uncompressed is None else max_uncompressed
        )
        names = {info.filename for info in members}
        if "[Content_Types].xml" not in names:
            raise _refuse_unsupported_zip(names)
        content_types = b""
        extents: list[tuple[str, _Extent]] = []
        for info in members:
            text, extent = _inflate(archive, info, keep=info.filename == "[Content_Types].xml")
            if extent.implicit_positions:
                extent = _exact_extent(archive, info, extent)
            extents.append((info.filename, extent))
            if info.filename == "[Content_Types].xml":
                content_types = text
    if b"sheet.binary" in content_types:
        # zh: 不支持这种表格格式，请另存为 .xlsx 后重新上传
        raise FileRefused(
            "file.unsupported",
            _("This spreadsheet format is not supported; save it as .xlsx and upload it again"),
            "xlsb",
        )
    if not any(kind in content_types for kind in _SPREADSHEET_TYPES):
        raise _refuse_unsupported_zip(names)
    # Each member is measured on its own: a long narrow sheet and a short wide one are both fine.
    for name, extent in extents:
        if extent.max_column > _EXCEL_MAX_COLUMN or extent.max_row * extent.max_column > max_cells:
            column = column_letters(min(extent.max_column, _EXCEL_MAX_COLUMN))
            cell = f"{column}{min(extent.max_row, _EXCEL_MAX_ROW)}"
            raise FileRefused(
                "file.too_large",
                # zh: 表格里的内容或格式一直延伸到 %(cell)s 单元格，超出了 %(limit)s 个单元格的上限。
                # 请删除没有用的行和列（包括其他工作表里的）后重新保存
                _(
                    "A sheet in the file reaches as far as cell %(cell)s, more than the limit of "
                    "%(limit)s cells. Delete the unused rows and columns (on every sheet) and save "
                    "the file again"
                )
                % {"cell": cell, "limit": f"{max_cells:,}"},
                f"{name}: {extent.max_row} rows x {extent.max_column} columns",
            )


def _check_directory(members: list[zipfile.ZipInfo], max_uncompressed: int) -> None:
    """Cheap checks on what the archive declares, before inflating anything."""
    if len(members) > limits.ZIP_MAX_MEMBERS:
        raise _refuse_bomb(f"{len(members)} members")
    declared = sum(info.file_size for info in members)
    if declared > max_uncompressed:
        raise _refuse_bomb(f"declares {declared} bytes uncompressed")
    for info in members:
        if info.flag_bits & 0x1:
            raise _refuse_damaged(f"{info.filename}: zip-level encryption")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise _refuse_damaged(f"{info.filename}: compression method {info.compress_type}")
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > limits.ZIP_RATIO_APPLIES_ABOVE and ratio > limits.ZIP_MAX_RATIO:
            raise _refuse_bomb(f"{info.filename}: ratio {info.file_size}/{info.compress_size}")


def _inflate(archive: zipfile.ZipFile, info: zipfile.ZipInfo, *, keep: bool) -> tuple[bytes, _Extent]:
    """Inflate one member under its declared size and measure it; return its bytes if asked to.

    The declared size cannot be trusted: the Rust zip reader inflates the whole stream whatever the
    directory says, while Python's stops at the declared size. Asking Python for one byte more than
    declared exposes a member that inflates beyond its declaration.
    """
    probe = copy.copy(info)
    probe.file_size = info.file_size + 1
    produced = 0
    kept = bytearray()
    extent = _Extent()
    try:
        with archive.open(probe) as stream:
            while chunk := stream.read(_CHUNK):
                produced += len(chunk)
                if produced > info.file_size:
                    raise _refuse_bomb(f"{info.filename}: inflates beyond its declared size")
                if keep and len(kept) <= limits.MiB:
                    kept += chunk
                extent.feed(chunk)
            extent.finish()
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError) as exc:
        raise _refuse_damaged(f"{info.filename}: {exc}") from exc
    if produced != info.file_size:
        raise _refuse_damaged(f"{info.filename}: {produced} bytes, declared {info.file_size}")
    return bytes(kept), extent


def _refuse_unsupported_zip(names: set[str]) -> FileRefused:
    if "mimetype" in names or "content.xml" in names:
        # zh: 不支持这种表格格式，请另存为 .xlsx 后重新上传
        message = _("This spreadsheet format is not supported; save it as .xlsx and upload it again")
    else:
        # zh: 这是一个压缩包或其他文档，不是 Excel 表格，请上传表格文件本身
        message = _("This is a zip archive or another kind of document, not an Excel workbook")
    return FileRefused("file.unsupported", message, "zip without a spreadsheet workbook part")
