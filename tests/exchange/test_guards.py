"""Hostile files are refused before python-calamine sees them (it aborts the process on some of them).

Every test here replaces calamine with a tripwire, so a guard that lets a file through fails the
test instead of crashing the test run.
"""

from __future__ import annotations

import io
import random
import string
import struct
import zipfile
from collections.abc import Iterator

import pytest
import python_calamine

from hongyixing.exchange import FileRefused, limits, read_table
from hongyixing.exchange.cells import column_letters, column_number
from hongyixing.exchange.guard_xls import check_xls
from hongyixing.exchange.guard_xlsx import check_xlsx

from .builders import (
    biff_record,
    biff_workbook,
    compound_file,
    corrupt_crc,
    ole_header,
    push_list_xlsx,
    rewrite_zip,
    simple_xls,
    simple_xlsx,
    understate_size,
    with_extra_cell,
)


@pytest.fixture
def tripwire(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # read_table turns any calamine failure into a refusal, so the call is recorded and checked after
    # the test rather than trusted to propagate.
    calls: list[object] = []

    def refuse_to_parse(*args: object, **kwargs: object) -> None:
        calls.append(args)
        raise AssertionError("calamine must not be given this file")

    monkeypatch.setattr(python_calamine.CalamineWorkbook, "from_filelike", refuse_to_parse)
    yield
    assert not calls, "a hostile file reached calamine"


def refused(data: bytes, filename: str = "名单.xlsx") -> FileRefused:
    with pytest.raises(FileRefused) as info:
        read_table(data, filename)
    return info.value


# --- xlsx ---------------------------------------------------------------------------------------------


def test_a_highly_compressible_member_is_a_zip_bomb(tripwire: None) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b"spreadsheetml.sheet.main+xml")
        archive.writestr("xl/worksheets/sheet1.xml", b"\x00" * (60 * limits.MiB))

    error = refused(buffer.getvalue())

    assert error.code == "file.zip_bomb"
    assert "ratio" in error.detail


def test_a_member_inflating_beyond_its_declared_size_is_a_zip_bomb(tripwire: None) -> None:
    data = with_extra_cell(simple_xlsx([["姓名", "电话"], ["甲", "1"]]), '<row r="3"/>' * 20_000)

    error = refused(understate_size(data, "xl/worksheets/sheet1.xml", 1000))

    assert error.code == "file.zip_bomb"
    assert "beyond its declared size" in error.detail


def test_too_many_members_is_a_zip_bomb(tripwire: None) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for number in range(limits.ZIP_MAX_MEMBERS + 1):
            archive.writestr(f"m{number}", b"")

    assert refused(buffer.getvalue()).code == "file.zip_bomb"


def test_too_much_data_in_total_is_a_zip_bomb(tripwire: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "ZIP_MAX_TOTAL_UNCOMPRESSED", 10_000)
    data = simple_xlsx([["姓名", "电话"], *([["甲" * 50, "1" * 50]] * 100)])

    assert refused(data).code == "file.zip_bomb"


def test_a_corrupted_member_is_unreadable(tripwire: None) -> None:
    data = corrupt_crc(push_list_xlsx(), "xl/worksheets/sheet1.xml")

    error = refused(data)

    assert error.code == "file.unreadable"
    assert "CRC" in error.detail


def test_a_truncated_zip_is_unreadable(tripwire: None) -> None:
    data = push_list_xlsx()

    assert refused(data[: len(data) // 2]).code == "file.unreadable"


def test_a_zip_that_is_not_a_workbook_is_unsupported(tripwire: None) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("照片/1.jpg", b"\xff\xd8\xff")
    docx = rewrite_zip(push_list_xlsx(), {"[Content_Types].xml": b"wordprocessingml.document.main+xml"})
    ods = io.BytesIO()
    with zipfile.ZipFile(ods, "w") as archive:
        archive.writestr("mimetype", b"application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", b"<office:document-content/>")

    assert refused(buffer.getvalue()).code == "file.unsupported"
    assert refused(docx).code == "file.unsupported"
    assert refused(ods.getvalue(), "名单.ods").code == "file.unsupported"


@pytest.mark.parametrize(
    "cell",
    [
        '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>',
        '<row r="1048576"><c r="xfd1048576" t="inlineStr"><is><t>x</t></is></c></row>',
        "<row r='900000'><c   r = 'Z900000' t='inlineStr'><is><t>x</t></is></c></row>",
        '<row r="5"><x:c\nr="AAAA5" t="inlineStr"><x:is><x:t>x</x:t></x:is></x:c></row>',
        '<row r="5"><c r="A123456789" t="inlineStr"><is><t>x</t></is></c></row>',
    ],
    ids=["far-corner", "lower-case", "odd-spacing", "four-letter-column", "nine-digit-row"],
)
def test_one_far_away_cell_is_refused_before_calamine_allocates_for_it(tripwire: None, cell: str) -> None:
    data = with_extra_cell(simple_xlsx([["姓名", "电话"], ["甲", "1"]]), cell)

    error = refused(data)

    assert error.code == "file.too_large"
    assert "columns" in error.detail


def test_cells_without_references_are_placed_as_calamine_places_them() -> None:
    # 2 000 empty rows, then one row of ten cells without r: calamine's grid is 2 001 × 10.
    rows = "<row></row>" * 1_999 + "<row>" + '<c t="inlineStr"><is><t>x</t></is></c>' * 10 + "</row>"
    data = with_extra_cell(simple_xlsx([["姓名", "电话"]]), rows)

    check_xlsx(data, max_cells=2_001 * 10)
    with pytest.raises(FileRefused):
        check_xlsx(data, max_cells=2_001 * 10 - 1)


def test_text_dressed_up_as_a_reference_does_not_hide_implicit_columns(tripwire: None) -> None:
    # Every cell carries r only inside another attribute's value, so calamine places them one column
    # after another: 20 000 columns on row 1 048 576.
    cells = "<c foo=' r=\"A1\" '><v>1</v></c>" * 20_000
    data = with_extra_cell(simple_xlsx([["姓名", "电话"]]), f'<row r="1048576">{cells}</row>')

    assert refused(data).code == "file.too_large"


def test_a_tag_longer_than_any_program_writes_is_refused_when_cells_lack_references(tripwire: None) -> None:
    junk = "".join(random.Random(3).choices(string.ascii_letters, k=3 * limits.MiB))
    rows = f'<row r="900000"><c foo="{junk}"><v>1</v></c><c><v>2</v></c></row>'
    data = with_extra_cell(simple_xlsx([["姓名", "电话"]]), rows)

    error = refused(data)

    assert (error.code, "longer than" in error.detail) == ("file.unreadable", True)


def test_a_workbook_written_without_references_is_read() -> None:
    cell = '<c t="inlineStr"><is><t>{}</t></is></c>'
    rows = "".join(f"<row>{cell.format(f'人{n}')}{cell.format(f'1380000{n:04d}')}</row>" for n in range(50))
    data = with_extra_cell(simple_xlsx([["姓名", "电话"]]), rows)

    table = read_table(data, "a.xlsx")

    assert table.rows[0].cells == ["人0", "13800000000"] and table.rows[-1].number == 51


def test_a_reference_split_across_inflate_chunks_is_still_seen(tripwire: None) -> None:
    # Random letters, so the padding does not compress like a zip bomb.
    filler = "".join(random.Random(7).choices(string.ascii_letters, k=limits.MiB))
    far = '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'

    def build(padding: int) -> bytes:
        text = f'<row r="2"><c r="A2" t="inlineStr"><is><t>{filler[:padding]}</t></is></c></row>{far}'
        return with_extra_cell(simple_xlsx([["姓名", "电话"]]), text)

    def reference_offset(data: bytes) -> int:
        return zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml").index(b' r="XFD')

    base = limits.MiB - 4000
    offset_at_base = reference_offset(build(base))
    for before_boundary in (1, 4, 9, 15):  # the reference starts this many bytes before a chunk ends
        data = build(base + limits.MiB - before_boundary - offset_at_base)
        assert reference_offset(data) == limits.MiB - before_boundary
        assert refused(data).code == "file.too_large", before_boundary


def test_an_ordinary_workbook_passes_the_guard() -> None:
    check_xlsx(push_list_xlsx())
    wide = simple_xlsx([["姓名", "电话", *(f"列{n}" for n in range(60))], ["甲", "1", *("x" * 60)]])
    check_xlsx(wide)


def test_the_cell_limit_applies_to_each_sheet_on_its_own() -> None:
    tall = with_extra_cell(simple_xlsx([["姓名"]]), '<row r="5000"><c r="B5000"><v>1</v></c></row>')

    check_xlsx(tall, max_cells=10_000)
    with pytest.raises(FileRefused):
        check_xlsx(tall, max_cells=9_999)


def test_column_letters_round_trip() -> None:
    assert [column_letters(n) for n in (1, 26, 27, 702, 703, 16_384)] == ["A", "Z", "AA", "ZZ", "AAA", "XFD"]
    assert all(column_number(column_letters(n)) == n for n in range(1, 20_000))


# --- xls ----------------------------------------------------------------------------------------------


def test_an_ole_header_with_nothing_valid_behind_it_is_unreadable(tripwire: None) -> None:
    # Given to calamine 0.37 as is, this 1.5 KB file makes it loop over a sector chain until it aborts.
    error = refused(ole_header(), "名单.xls")

    assert error.code == "file.unreadable"
    assert "chain" in error.detail


def test_a_sector_beyond_the_end_of_the_file_is_unreadable(tripwire: None) -> None:
    data = bytearray(simple_xls([["姓名", "电话"], ["甲", 1]]))
    struct.pack_into("<I", data, 48, 0x7FFF_FFFF)  # the directory "starts" 1 TB into the file

    assert refused(bytes(data), "名单.xls").code == "file.unreadable"


def test_a_stream_longer_than_the_file_is_unreadable(tripwire: None) -> None:
    data = bytearray(simple_xls([["姓名", "电话"], ["甲", 1]]))
    directory = 1024  # sector 1
    struct.pack_into("<I", data, directory + 128 + 120, 0xFFFF_FF00)

    assert refused(bytes(data), "名单.xls").code == "file.unreadable"


def test_a_mini_stream_chain_leaving_the_mini_stream_is_unreadable(tripwire: None) -> None:
    workbook = biff_workbook([(0, 0, "姓名"), (0, 1, "电话")], pad=False)
    data = bytearray(compound_file({"Workbook": workbook}))
    directory = 1024
    struct.pack_into("<I", data, directory + 128 + 116, 0x0100_0000)  # mini sector 16 M of a 1 KB stream

    error = refused(bytes(data), "名单.xls")

    assert (error.code, "chain" in error.detail) == ("file.unreadable", True)


def test_a_cell_at_the_far_corner_of_an_xls_sheet_is_refused(tripwire: None) -> None:
    data = simple_xls([["姓名", "电话"], ["甲", 1]])
    far = compound_file({"Workbook": biff_workbook([(0, 0, "姓名"), (0, 1, "电话"), (65_535, 65_535, 1)])})

    check_xls(data)
    assert refused(far, "名单.xls").code == "file.too_large"


def test_a_huge_dimensions_record_is_refused(tripwire: None) -> None:
    dimensions = biff_record(0x0200, struct.pack("<IIHHH", 0, 0xFFFF_FFFF, 0, 200, 0))
    data = compound_file(
        {"Workbook": biff_workbook([(0, 0, "姓名"), (0, 1, "电话")], extra_sheet_records=dimensions)}
    )

    error = refused(data, "名单.xls")

    assert (error.code, error.detail.split()[0]) == ("file.too_large", "DIMENSIONS")


def test_a_string_table_claiming_billions_of_strings_is_refused(tripwire: None) -> None:
    data = compound_file(
        {"Workbook": biff_workbook([(0, 0, "姓名"), (0, 1, "电话")], sst_count=2_000_000_000)}
    )

    assert refused(data, "名单.xls").code == "file.unreadable"


def test_macro_and_encrypted_workbooks_are_refused(tripwire: None) -> None:
    workbook = biff_workbook([(0, 0, "姓名"), (0, 1, "电话")])
    macros = compound_file({"Workbook": workbook, "_VBA_PROJECT_CUR": b"\x00" * 4096})
    encrypted = compound_file({"EncryptionInfo": b"\x00" * 4096, "EncryptedPackage": b"\x00" * 4096})

    assert (refused(macros, "名单.xls").code, refused(macros, "名单.xls").detail) == (
        "file.unsupported",
        "macros",
    )
    assert (refused(encrypted, "名单.xlsx").code, refused(encrypted).detail) == (
        "file.unreadable",
        "password",
    )
