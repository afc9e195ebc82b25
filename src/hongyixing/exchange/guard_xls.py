"""Checks an .xls file (an OLE compound file holding a BIFF workbook) before python-calamine opens it.

calamine (0.37) trusts the sizes and sector numbers written in the file: a sector number past the end
of the file, a loop in a sector chain, a stream length of 4 GB, a DIMENSIONS record or a string
table count of two billion, or one cell at row 65535 / column 65535 each make it reserve gigabytes
and abort the process, which cannot be caught. A 1.5 KB file is enough. So the structure is walked
here the way calamine will walk it, and anything it would over-allocate on is refused.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from . import limits
from .errors import FileRefused

_ENDOFCHAIN = 0xFFFF_FFFE
_RESERVED = 0xFFFF_FFFA  # calamine follows DIFAT links below this value
_DIFSECT = 0xFFFF_FFFC  # calamine reads DIFAT entries below this value as FAT sectors
_DIRECTORY_ENTRY = 128
_MINI_SECTOR = 64
_MINI_CUTOFF = 4096  # calamine reads streams shorter than this from the mini stream
_MAX_SHEETS = 256
# calamine reserves a vector of this many u32 from header bytes 62..66 (a misread of the DIFAT count).
_MAX_HEADER_RESERVE = 2**23

# BIFF records that place a cell at (row u16, column u16) in their first four bytes.
_CELL_RECORDS = frozenset({0x0203, 0x0204, 0x0205, 0x027E, 0x00FD, 0x0006})
_MULRK, _DIMENSIONS, _SST, _BOUNDSHEET, _EOF = 0x00BD, 0x0200, 0x00FC, 0x0085, 0x000A


def _refuse(detail: str) -> FileRefused:
    # zh: 文件已损坏，或者不是真正的 Excel 文件
    return FileRefused("file.unreadable", _("The file is damaged or is not a real Excel file"), detail)


def _refuse_size(cells: int, max_cells: int, detail: str) -> FileRefused:
    return FileRefused(
        "file.too_large",
        # zh: 表格里的内容一直延伸到约 %(cells)s 个单元格，超出了 %(limit)s 个单元格的上限。
        # 请删除没有用的行和列后另存为 .xlsx 再上传
        _(
            "A sheet in the file spans about %(cells)s cells, more than the limit of %(limit)s. Delete "
            "the unused rows and columns, save it as .xlsx and upload that"
        )
        % {"cells": f"{cells:,}", "limit": f"{max_cells:,}"},
        detail,
    )


@dataclass
class _Compound:
    """Just enough of MS-CFB to follow sector chains the way calamine does."""

    data: bytes
    sector_size: int
    sectors: int
    fat: list[int] = field(default_factory=list)
    mini_stream: bytes = b""
    mini_fat: list[int] = field(default_factory=list)
    has_mini: bool = False

    def sector(self, number: int) -> bytes:
        if number >= self.sectors:
            raise _refuse(f"sector {number:#x} beyond the {self.sectors} in the file")
        start = self.sector_size * (number + 1)
        return self.data[start : start + self.sector_size]

    def chain(
        self, start: int, length: int, table: list[int] | None = None, pool: bytes | None = None
    ) -> bytes:
        """The bytes of a chain in the FAT (or, given ``table`` and ``pool``, in the mini FAT)."""
        if length > len(self.data):
            raise _refuse(f"stream length {length} larger than the file")
        size = _MINI_SECTOR if pool is not None else self.sector_size
        limit = -(-len(pool) // size) if pool is not None else self.sectors
        table = self.fat if table is None else table
        seen: set[int] = set()
        parts: list[bytes] = []
        number = start
        while number != _ENDOFCHAIN:
            if number >= limit or number >= len(table) or number in seen:
                raise _refuse(f"broken sector chain at {number:#x}")
            seen.add(number)
            parts.append(
                pool[number * size : (number + 1) * size] if pool is not None else self.sector(number)
            )
            number = table[number]
        joined = b"".join(parts)
        return joined[:length] if length else joined


def _u16(data: bytes, offset: int) -> int:
    return int.from_bytes(data[offset : offset + 2], "little")


def _u32(data: bytes, offset: int) -> int:
    return int.from_bytes(data[offset : offset + 4], "little")


def _u32s(data: bytes) -> list[int]:
    return list(struct.unpack(f"<{len(data) // 4}I", data[: len(data) // 4 * 4]))


def _open_compound(data: bytes) -> tuple[_Compound, dict[str, tuple[int, int]]]:
    """The compound file, its directory (name → start, length) and the root entry's mini stream."""
    if len(data) < 512:
        raise _refuse("shorter than an OLE header")
    shift = _u16(data, 30)
    if shift not in (9, 12) or _u16(data, 32) != 6:
        raise _refuse(f"sector shift {shift}")
    size = 1 << shift
    if len(data) < size:
        raise _refuse("shorter than its header sector")
    sectors = -(-(len(data) - size) // size)
    dir_len, fat_len, dir_start = _u32(data, 40), _u32(data, 44), _u32(data, 48)
    mini_fat_start, mini_fat_len, difat_start = _u32(data, 60), _u32(data, 64), _u32(data, 68)
    if max(dir_len, fat_len, mini_fat_len) > sectors or _u32(data, 62) > _MAX_HEADER_RESERVE:
        raise _refuse("header counts larger than the file")
    compound = _Compound(data, size, sectors)
    difat = _u32s(data[76:512])
    seen: set[int] = set()
    link = difat_start
    while link < _RESERVED:
        if link in seen:
            raise _refuse("DIFAT loop")
        seen.add(link)
        difat.extend(_u32s(compound.sector(link)))
        link = difat.pop()
    for number in difat:
        if number < _DIFSECT:
            compound.fat.extend(_u32s(compound.sector(number)))
    directory = compound.chain(dir_start, dir_len * size)
    entries: dict[str, tuple[int, int]] = {}
    root = (0, 0)
    for offset in range(0, len(directory) - _DIRECTORY_ENTRY + 1, _DIRECTORY_ENTRY):
        raw = directory[offset : offset + _DIRECTORY_ENTRY]
        name = raw[:64].decode("utf-16-le", errors="ignore").split("\x00", 1)[0]
        start = _u32(raw, 116)
        length = _u32(raw, 120) if size == 512 else int.from_bytes(raw[120:128], "little")
        if offset == 0:
            root = (start, length)
        entries.setdefault(name, (start, length))  # calamine takes the first entry of a name
    if mini_fat_len:  # calamine loads the mini stream only then
        compound.has_mini = True
        compound.mini_stream = compound.chain(root[0], root[1])
        compound.mini_fat = _u32s(compound.chain(mini_fat_start, mini_fat_len * size))
    return compound, entries


def _stream(compound: _Compound, start: int, length: int) -> bytes:
    if length >= _MINI_CUTOFF:
        return compound.chain(start, length)
    if not compound.has_mini:
        # calamine would grow an empty mini stream up to the start sector: refuse any chain at all.
        if start != _ENDOFCHAIN:
            raise _refuse("short stream without a mini stream")
        return b""
    return compound.chain(start, length, compound.mini_fat, compound.mini_stream)


def _records(stream: bytes, start: int) -> list[tuple[int, int, int]]:
    """(type, offset of data, length) of each record from ``start`` to EOF, as calamine iterates them."""
    found = []
    position = start
    while position + 4 <= len(stream):
        kind, length = _u16(stream, position), _u16(stream, position + 2)
        if position + 4 + length > len(stream):
            break
        found.append((kind, position + 4, length))
        position += 4 + length
        if kind == _EOF:
            break
    return found


def _check_sheet(stream: bytes, start: int, max_cells: int) -> None:
    max_row = max_column = 0
    for kind, offset, length in _records(stream, start):
        record = stream[offset : offset + length]
        if kind == _DIMENSIONS and length in (10, 14):
            if length == 10:
                first_row, last_row, first_col, last_col = struct.unpack("<4H", record[:8])
            else:
                first_row, last_row, first_col, last_col = struct.unpack("<IIHH", record[:12])
            end_row, end_col = (
                (last_row - 1, last_col - 1) if last_row >= 1 and last_col >= 1 else (first_row, first_col)
            )
            # calamine reserves (end - start + 1) rows × columns in u32 arithmetic that wraps.
            rows = (end_row - first_row + 1) % 2**32
            columns = (end_col - first_col + 1) % 2**32
            if rows * columns > max_cells:
                raise _refuse_size(rows * columns, max_cells, f"DIMENSIONS {rows} x {columns}")
        elif kind in _CELL_RECORDS and length >= 4:
            max_row, max_column = max(max_row, _u16(record, 0)), max(max_column, _u16(record, 2))
        elif kind == _MULRK and length >= 6:
            max_row = max(max_row, _u16(record, 0))
            max_column = max(max_column, _u16(record, 2), _u16(record, length - 2))
    cells = (max_row + 1) * (max_column + 1)
    if cells > max_cells:
        raise _refuse_size(cells, max_cells, f"cells reach row {max_row + 1}, column {max_column + 1}")


def check_xls(data: bytes, *, max_cells: int = limits.MAX_CELLS) -> None:
    """Refuse an .xls whose structure would make calamine over-allocate; return silently otherwise."""
    compound, entries = _open_compound(data)
    if "_VBA_PROJECT_CUR" in entries:
        raise FileRefused(
            "file.unsupported",
            # zh: 不接受带宏的表格文件，请另存为不带宏的 .xlsx 后重新上传
            _("Workbooks with macros are not accepted; save it as a plain .xlsx and upload that"),
            "macros",
        )
    if "EncryptedPackage" in entries:
        # zh: 文件设置了打开密码，请在 Excel 或 WPS 里取消密码后重新上传
        message = _(
            "The file is protected by a password; remove the password in Excel or WPS and upload it again"
        )
        raise FileRefused("file.unreadable", message, "password")
    for name in ("Workbook", "Book"):
        if name in entries:
            stream = _stream(compound, *entries[name])
            break
    else:
        raise _refuse("no Workbook stream")
    sheets: list[int] = []
    for kind, offset, length in _records(stream, 0):
        if kind == _SST and length >= 8:
            count = struct.unpack_from("<i", stream, offset + 4)[0]
            if count > len(stream) // 3:  # every string takes at least three bytes
                raise _refuse(f"SST claims {count} strings")
        elif kind == _BOUNDSHEET and length >= 4:
            sheets.append(_u32(stream, offset))
    if len(sheets) > _MAX_SHEETS:
        raise _refuse(f"{len(sheets)} sheets")
    for start in sheets:
        if start < len(stream):
            _check_sheet(stream, start, max_cells)
