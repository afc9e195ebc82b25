"""Fixture files built in code: xlsx through XlsxWriter, zips by hand, CSV in several encodings."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from collections.abc import Callable, Sequence

import xlsxwriter

HEADERS = ["序号", "姓名", "身份证号码（必填）", "联系电话", "现住址", "推送原因"]
ID_AS_FLOAT = 3.20813199001011e17  # what Excel keeps of 320813199001011234 typed into a number cell


def xlsx(build: Callable[[xlsxwriter.Workbook], None]) -> bytes:
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    build(workbook)
    workbook.close()
    return buffer.getvalue()


def simple_xlsx(rows: Sequence[Sequence[str]], *, sheet: str = "名单") -> bytes:
    def build(workbook: xlsxwriter.Workbook) -> None:
        worksheet = workbook.add_worksheet(sheet)
        for number, row in enumerate(rows):
            for column, value in enumerate(row):
                worksheet.write_string(number, column, value)

    return xlsx(build)


def push_list_xlsx() -> bytes:
    """A realistic push list: title, blank line, header, damaged ID, formula, blank and footer lines."""

    def build(workbook: xlsxwriter.Workbook) -> None:
        worksheet = workbook.add_worksheet("协查名单")
        worksheet.merge_range(0, 0, 0, 5, "洪泽区协查名单（第12批）")
        worksheet.write_row(2, 0, HEADERS)  # row 3
        worksheet.write_number(3, 0, 1)  # row 4
        worksheet.write_string(3, 1, "张三")
        worksheet.write_number(3, 2, ID_AS_FLOAT)
        worksheet.write_string(3, 3, "13812345678")
        worksheet.write_string(3, 4, "\u3000洪泽区高良涧街道临河社区复兴路128号 ")
        # The cached result is deliberately wrong: a reader that evaluates would say 2.
        worksheet.write_formula(3, 5, "=1+1", None, 99)
        worksheet.write_number(4, 0, 2)  # row 5
        worksheet.write_string(4, 1, "李四")
        worksheet.write_string(4, 2, "320813199001011234")
        worksheet.write_number(4, 3, 13912345678)
        worksheet.write_string(4, 5, "时空伴随")
        # row 6 blank
        worksheet.write_number(6, 0, 3)  # row 7
        worksheet.write_string(6, 1, "王五")
        worksheet.write_string(6, 3, "0517-83912345")
        worksheet.write_string(7, 0, "合计：3人")  # row 8
        worksheet.write_string(8, 0, "制表人：赵六")  # row 9
        worksheet.write_string(8, 3, "审核人：钱七")

    return xlsx(build)


def rewrite_zip(data: bytes, replace: dict[str, bytes]) -> bytes:
    """The same archive with some members' contents replaced."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, replace.get(info.filename, source.read(info.filename)))
    return out.getvalue()


def with_extra_cell(data: bytes, cell_xml: str) -> bytes:
    """Append a raw <row> to sheet1 of an xlsx built by XlsxWriter."""
    name = "xl/worksheets/sheet1.xml"
    sheet = zipfile.ZipFile(io.BytesIO(data)).read(name).decode()
    return rewrite_zip(data, {name: sheet.replace("</sheetData>", f"{cell_xml}</sheetData>").encode()})


def _central_entry(data: bytes, member: str) -> int:
    """Offset of ``member``'s entry in the archive's central directory."""
    offset = data.find(b"PK\x01\x02")
    while offset != -1:
        name_length = struct.unpack_from("<H", data, offset + 28)[0]
        if data[offset + 46 : offset + 46 + name_length] == member.encode():
            return offset
        offset = data.find(b"PK\x01\x02", offset + 4)
    raise LookupError(member)


def understate_size(data: bytes, member: str, declared: int) -> bytes:
    """Patch an archive so that ``member`` declares a smaller uncompressed size than it inflates to.

    The checksum is forged to match what a reader stopping at the declared size (plus the one byte
    the guard asks for) would see, as a careful attacker would do.
    """
    patched = bytearray(data)
    archive = zipfile.ZipFile(io.BytesIO(data))
    info = archive.getinfo(member)
    forged = zlib.crc32(archive.read(member)[: declared + 1])
    central = _central_entry(data, member)
    struct.pack_into("<I", patched, info.header_offset + 14, forged)  # local header: CRC, sizes
    struct.pack_into("<I", patched, info.header_offset + 22, declared)
    struct.pack_into("<I", patched, central + 16, forged)  # central directory: CRC, sizes
    struct.pack_into("<I", patched, central + 24, declared)
    return bytes(patched)


def corrupt_crc(data: bytes, member: str) -> bytes:
    """Patch the checksum ``member`` declares, as a damaged download would look."""
    patched = bytearray(data)
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo(member)
    struct.pack_into("<I", patched, info.header_offset + 14, info.CRC ^ 0xFFFF)
    struct.pack_into("<I", patched, _central_entry(data, member) + 16, info.CRC ^ 0xFFFF)
    return bytes(patched)


def ole_header(extra: bytes = b"") -> bytes:
    """The 512-byte header of an OLE compound file (what .xls files are), with nothing valid after it."""
    header = bytearray(512)
    header[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHHH", header, 24, 0x003E, 0x0003, 0xFFFE, 9, 6)
    struct.pack_into("<IIIIIII", header, 44, 1, 1, 0, 0x1000, 0xFFFFFFFE, 0, 0xFFFFFFFE)
    header[76:512] = b"\xff" * 436
    struct.pack_into("<I", header, 76, 0)
    return bytes(header) + b"\x00" * 1024 + extra


# --- A minimal .xls: an OLE compound file (MS-CFB v3) holding a BIFF8 workbook -------------------

ENDOFCHAIN, FREESECT, FATSECT, NOSTREAM = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF


def _directory_entry(
    name: str, kind: int, start: int, size: int, child: int = NOSTREAM, right: int = NOSTREAM
) -> bytes:
    encoded = (name + "\x00").encode("utf-16-le")
    entry = bytearray(128)
    entry[: len(encoded)] = encoded
    struct.pack_into("<HBB", entry, 64, len(encoded), kind, 1)
    struct.pack_into("<III", entry, 68, NOSTREAM, right, child)
    struct.pack_into("<IQ", entry, 116, start, size)
    return bytes(entry)


def compound_file(streams: dict[str, bytes]) -> bytes:
    """Sector 0 holds the FAT, sector 1 the directory; streams under 4096 bytes go to the mini stream."""
    fat = [FATSECT, ENDOFCHAIN]
    body = b""

    def allocate(data: bytes) -> int:
        nonlocal body
        start = len(fat)
        count = max(1, -(-len(data) // 512))
        fat.extend([*range(start + 1, start + count), ENDOFCHAIN])
        body += data.ljust(count * 512, b"\x00")
        return start

    mini_stream = b""
    mini_fat: list[int] = []
    placed: list[tuple[str, int, int]] = []
    for name, data in streams.items():
        if len(data) >= 4096:
            placed.append((name, allocate(data), len(data)))
            continue
        start = len(mini_fat)
        count = max(1, -(-len(data) // 64))
        mini_fat.extend([*range(start + 1, start + count), ENDOFCHAIN])
        mini_stream += data.ljust(count * 64, b"\x00")
        placed.append((name, start, len(data)))
    root_start, mini_fat_start = ENDOFCHAIN, ENDOFCHAIN
    if mini_fat:
        root_start = allocate(mini_stream)
        mini_fat_start = allocate(struct.pack(f"<{len(mini_fat)}I", *mini_fat).ljust(512, b"\xff"))
    entries = [
        _directory_entry(name, 2, start, size, right=index + 2 if index + 1 < len(placed) else NOSTREAM)
        for index, (name, start, size) in enumerate(placed)
    ]
    assert len(fat) <= 128 and len(entries) <= 3
    directory = _directory_entry("Root Entry", 5, root_start, len(mini_stream), child=1) + b"".join(entries)
    header = bytearray(ole_header()[:512])
    struct.pack_into("<IIII", header, 40, 0, 1, 1, 0)
    struct.pack_into("<II", header, 60, mini_fat_start, 1 if mini_fat else 0)
    fat_sector = struct.pack(f"<{len(fat)}I", *fat) + b"\xff" * (512 - 4 * len(fat))
    return bytes(header) + fat_sector + directory.ljust(512, b"\x00") + body


def biff_record(kind: int, data: bytes = b"") -> bytes:
    return struct.pack("<HH", kind, len(data)) + data


def biff_workbook(
    cells: list[tuple[int, int, object]],
    *,
    extra_sheet_records: bytes = b"",
    sst_count: int | None = None,
    pad: bool = True,
) -> bytes:
    """A BIFF8 workbook stream with one sheet "名单"; strings go through the shared string table."""
    strings = [value for _row, _col, value in cells if isinstance(value, str)]
    unique = list(dict.fromkeys(strings))
    sst = struct.pack("<ii", len(strings), len(unique) if sst_count is None else sst_count)
    for text in unique:
        sst += struct.pack("<HB", len(text), 1) + text.encode("utf-16-le")
    name = "名单"
    bof_globals = biff_record(0x0809, struct.pack("<HHHHII", 0x0600, 0x0005, 0, 1997, 0, 0))
    codepage = biff_record(0x0042, struct.pack("<H", 1200))
    sheet_body = (
        biff_record(0x0809, struct.pack("<HHHHII", 0x0600, 0x0010, 0, 1997, 0, 0)) + extra_sheet_records
    )
    for row, column, value in cells:
        if isinstance(value, str):
            sheet_body += biff_record(0x00FD, struct.pack("<HHHI", row, column, 0, unique.index(value)))
        else:
            sheet_body += biff_record(0x0203, struct.pack("<HHHd", row, column, 0, float(value)))  # type: ignore[arg-type]
    sheet_body += biff_record(0x000A)
    boundsheet_size = 4 + 6 + 2 + 2 * len(name)
    globals_size = len(bof_globals) + len(codepage) + boundsheet_size + len(biff_record(0x00FC, sst)) + 4
    boundsheet = biff_record(
        0x0085, struct.pack("<IBBBB", globals_size, 0, 0, len(name), 1) + name.encode("utf-16-le")
    )
    stream = bof_globals + codepage + boundsheet + biff_record(0x00FC, sst) + biff_record(0x000A) + sheet_body
    # Pad past the mini-stream cutoff with a record type calamine ignores, unless a short one is wanted.
    while pad and len(stream) < 4096:
        stream += biff_record(0x0000)
    return stream


def simple_xls(rows: Sequence[Sequence[object]], **kwargs: object) -> bytes:
    cells = [(r, c, value) for r, row in enumerate(rows) for c, value in enumerate(row) if value != ""]
    return compound_file({"Workbook": biff_workbook(cells, **kwargs)})  # type: ignore[arg-type]
