"""Exports: every cell text, formula triggers neutralised, frozen header, meta sheet, UTF-8 BOM CSV."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
import python_calamine
from django.utils.translation import pgettext
from hypothesis import example, given, settings
from hypothesis import strategies as st

from hongyixing.exchange import ExportError, limits, read_table, write_csv, write_xlsx
from hongyixing.exchange.cells import neutralise
from hongyixing.exchange.writers import sheet_title

HEADERS = ["姓名", "身份证号码", "联系电话", "备注"]
DANGEROUS = ["=1+1", "+SUM(A1:A2)", "-2+3+cmd|' /C calc'!A0", "@SUM(1,1)", "\t=1+1", "\r=1+1"]
ROWS: list[list[object]] = [
    ["张三", "320813199001011234", "13812345678", '=HYPERLINK("http://x","点我")'],
    ["李四", "32081319900101123X", "+8613912345678", "-"],
    ["王五", None, dt.date(2022, 1, 2), -12],
]


def sheets(data: bytes) -> dict[str, list[list[Any]]]:
    workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    return {name: workbook.get_sheet_by_name(name).to_python() for name in workbook.sheet_names}


def test_xlsx_cells_are_text_and_formulas_never_formulas() -> None:
    buffer = io.BytesIO()

    count = write_xlsx(buffer, HEADERS, [*ROWS, ["赵六", "", "", *DANGEROUS[:1]]], sheet_name="结果")

    data = buffer.getvalue()
    content = sheets(data)["结果"]
    sheet_xml = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    assert count == 4
    assert content[0] == HEADERS
    assert content[1][1] == "320813199001011234"  # all 18 digits, as text
    assert content[1][3] == '=HYPERLINK("http://x","点我")'  # text, not a link
    assert content[3][2] == "2022-01-02" and content[3][3] == "-12"
    assert content[4][3] == "=1+1"  # calamine gives the text back, not 2
    assert b"<f>" not in sheet_xml  # no formula element anywhere
    assert b'quotePrefix="1"' in zipfile.ZipFile(io.BytesIO(data)).read("xl/styles.xml")


def test_xlsx_has_a_frozen_header_and_widths_from_the_headers() -> None:
    buffer = io.BytesIO()
    write_xlsx(buffer, ["姓名", "现住址（详细到门牌号）"], [["张三", "洪泽"]], sheet_name="结果")

    sheet_xml = zipfile.ZipFile(io.BytesIO(buffer.getvalue())).read("xl/worksheets/sheet1.xml").decode()

    assert 'ySplit="1"' in sheet_xml and 'state="frozen"' in sheet_xml
    assert 'width="8.7' in sheet_xml  # "姓名" is narrow, so the minimum width
    assert 'width="24.7' in sheet_xml  # 11 wide characters + 2


def test_xlsx_meta_goes_to_a_second_sheet() -> None:
    buffer = io.BytesIO()
    meta = {"导出人": "区指挥部 张三", "导出时间": "2022-01-02 08:30", "说明": "=不是公式"}

    write_xlsx(buffer, HEADERS, ROWS, sheet_name="结果", meta=meta)

    content = sheets(buffer.getvalue())
    notes = pgettext("export sheet", "Notes")
    assert list(content) == ["结果", notes]
    assert content[notes] == [[key, value] for key, value in meta.items()]


def test_xlsx_without_meta_has_one_sheet_and_can_go_to_a_path(tmp_path: Path) -> None:
    target = tmp_path / "导出.xlsx"

    write_xlsx(target, HEADERS, ROWS, sheet_name="a/b:c*?[1]" * 5)

    content = sheets(target.read_bytes())
    assert list(content) == [sheet_title("a/b:c*?[1]" * 5)]
    assert len(next(iter(content))) == 31


def test_xlsx_refuses_what_a_sheet_cannot_hold_instead_of_truncating(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "导出.xlsx"
    with pytest.raises(ExportError) as long_cell:
        write_xlsx(target, HEADERS, [["张三", "x" * (limits.SHEET_MAX_CELL_CHARS + 1)]], sheet_name="结果")
    monkeypatch.setattr(limits, "SHEET_MAX_ROWS", 3)
    with pytest.raises(ExportError) as many_rows:
        write_xlsx(target, HEADERS, ROWS, sheet_name="结果")

    assert long_cell.value.code == "export.cell_too_long"
    assert many_rows.value.code == "export.too_many_rows"
    assert not target.exists()  # nothing half-written


def test_an_export_reads_back_as_the_same_table() -> None:
    buffer = io.BytesIO()
    write_xlsx(buffer, HEADERS, ROWS, sheet_name="结果")

    table = read_table(buffer.getvalue(), "结果.xlsx")

    assert table.headers == HEADERS
    assert [row.cells for row in table.rows][:2] == [[str(cell) for cell in row] for row in ROWS[:2]]


def test_csv_is_utf8_with_bom_crlf_and_quoted_triggers() -> None:
    buffer = io.BytesIO()

    count = write_csv(buffer, HEADERS, [*ROWS, DANGEROUS])

    data = buffer.getvalue()
    assert count == 4
    assert data.startswith(codecs.BOM_UTF8)
    assert b"\r\n" in data
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows[0] == HEADERS
    assert rows[1][3] == '\'=HYPERLINK("http://x","点我")'
    assert rows[2][2:] == ["+8613912345678", "-"]  # a plain number or a lone dash cannot be a formula
    assert rows[3] == ["王五", "", "2022-01-02", "-12"]
    assert rows[4] == ["'" + value for value in DANGEROUS]


def test_csv_headers_are_neutralised_too() -> None:
    buffer = io.BytesIO()

    write_csv(buffer, ["姓名", "=cmd"], [])

    assert buffer.getvalue().decode("utf-8-sig").splitlines()[0] == "姓名,'=cmd"


# ASCII with quotes, commas and formula triggers, plus CJK that spells no header or footer word.
text_cells = st.text(
    alphabet=st.sampled_from([*map(chr, range(32, 127)), *"洪泽张三李四，。（）"]), max_size=12
)


def _serial_only(row: list[str]) -> bool:
    first, *rest = [cell.strip() for cell in row]
    return bool(re.fullmatch(r"[0-9]{1,6}", first)) and not any(rest)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(text_cells, min_size=3, max_size=3), min_size=1, max_size=5))
@example(rows=[["0", "", ""], ["12", "张三", ""]])
def test_csv_round_trips_through_read_table(rows: list[list[str]]) -> None:
    # A line with nothing, or with nothing but a 序号 (``0,,``), is a blank line of the list by design.
    rows = [row for row in rows if any(cell.strip() for cell in row) and not _serial_only(row)] or [
        ["甲", "1", ""]
    ]
    buffer = io.BytesIO()
    write_csv(buffer, ["姓名", "电话", "备注"], rows)

    table = read_table(buffer.getvalue(), "a.csv")

    assert table.skipped == []
    assert [row.cells for row in table.rows] == [[neutralise(cell).strip() for cell in row] for row in rows]
