"""read_table on Excel files: text cells, row numbers, skipped lines, damage flags, refusals."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
import xlsxwriter

from hongyixing.exchange import FileRefused, read_table
from hongyixing.exchange.tabular import (
    SKIP_BLANK,
    SKIP_FOOTER,
    SKIP_REPEATED_HEADER,
    detect_format,
    file_size_text,
)

from .builders import (
    HEADERS,
    ID_AS_FLOAT,
    biff_workbook,
    compound_file,
    ole_header,
    push_list_xlsx,
    simple_xls,
    simple_xlsx,
    xlsx,
)


def refused(data: bytes, filename: str, **kwargs: int) -> FileRefused:
    with pytest.raises(FileRefused) as info:
        read_table(data, filename, **kwargs)
    return info.value


def test_push_list_rows_keep_their_spreadsheet_numbers_and_text() -> None:
    table = read_table(push_list_xlsx(), "名单.xlsx")

    assert table.format == "xlsx"
    assert table.sheet_name == "协查名单"
    assert table.header_row == 3
    assert table.headers == HEADERS
    assert [row.number for row in table.rows] == [4, 5, 7]
    assert table.rows[0].cells == [
        "1",
        "张三",
        "320813199001011000",  # what Excel shows of the rounded float, no exponent
        "13812345678",
        "洪泽区高良涧街道临河社区复兴路128号",  # full-width and trailing spaces trimmed
        "99",  # the cached formula value: nothing was evaluated (=1+1 would be 2)
    ]
    assert table.rows[1].cells[3] == "13912345678"  # a whole number cell loses its ".0"
    assert table.rows[2].cells == ["3", "王五", "", "0517-83912345", "", ""]  # padded to the header


def test_title_above_the_header_is_kept_as_preamble() -> None:
    table = read_table(push_list_xlsx(), "名单.xlsx")

    assert [(row.number, row.cells) for row in table.preamble] == [(1, ["洪泽区协查名单（第12批）"])]


def test_blank_and_footer_lines_are_skipped_with_their_row_numbers() -> None:
    table = read_table(push_list_xlsx(), "名单.xlsx")

    assert [(item.row_number, item.code) for item in table.skipped] == [
        (6, SKIP_BLANK),
        (8, SKIP_FOOTER),
        (9, SKIP_FOOTER),
    ]
    assert table.skipped[1].text == "合计：3人"
    assert table.skipped[2].text == "制表人：赵六 审核人：钱七"
    assert table.skipped_count(SKIP_FOOTER) == 2
    assert table.skipped_count() == 3
    assert all(item.reason for item in table.skipped)


def test_an_id_turned_into_a_float_is_flagged_on_its_cell_only() -> None:
    table = read_table(push_list_xlsx(), "名单.xlsx")

    assert table.damaged_cells == [(4, 2)]
    assert table.rows[1].damaged == frozenset()  # the same ID typed as text is fine


def test_typed_cells_become_deterministic_text() -> None:
    def build(workbook: xlsxwriter.Workbook) -> None:
        sheet = workbook.add_worksheet()
        date = workbook.add_format({"num_format": "yyyy-mm-dd"})
        stamp = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"})
        sheet.write_row(0, 0, ["姓名", "手机号", "到达时间", "出生日期", "n", "flag"])
        sheet.write_string(1, 0, "张三")
        sheet.write_number(1, 1, 13812345678.0)
        sheet.write_datetime(1, 2, dt.datetime(2022, 1, 2, 8, 30), stamp)
        sheet.write_datetime(1, 3, dt.datetime(1990, 1, 1), date)
        sheet.write_number(1, 4, 0.1 + 0.2)
        sheet.write_boolean(1, 5, True)

    table = read_table(xlsx(build), "a.xlsx")

    assert table.rows[0].cells == ["张三", "13812345678", "2022-01-02 08:30", "1990-01-01", "0.3", "TRUE"]
    assert table.rows[0].damaged == frozenset()


def test_hidden_sheets_are_ignored_and_an_empty_first_sheet_gives_way() -> None:
    def build(workbook: xlsxwriter.Workbook) -> None:
        hidden = workbook.add_worksheet("隐藏")
        hidden.write_row(0, 0, ["姓名", "电话"])
        hidden.write_row(1, 0, ["不该读到", "13800000000"])
        hidden.hide()
        workbook.add_worksheet("空白")
        small = workbook.add_worksheet("小表")
        small.write_row(0, 0, ["姓名", "电话"])
        small.write_row(1, 0, ["甲", "13800000001"])
        large = workbook.add_worksheet("大表")
        large.write_row(0, 0, ["姓名", "电话"])
        for number in range(1, 4):
            large.write_row(number, 0, [f"乙{number}", f"1380000001{number}"])
        workbook.worksheets()[1].activate()

    table = read_table(xlsx(build), "a.xlsx")

    assert table.sheet_name == "大表"
    assert [row.cells[0] for row in table.rows] == ["乙1", "乙2", "乙3"]


def test_a_value_merged_down_a_block_belongs_to_every_row_of_it() -> None:
    def build(workbook: xlsxwriter.Workbook) -> None:
        sheet = workbook.add_worksheet()
        sheet.write_row(0, 0, ["姓名", "电话", "数据来源"])
        for number in range(1, 4):
            sheet.write_row(number, 0, [f"人{number}", f"1380000000{number}"])
        sheet.merge_range(1, 2, 3, 2, "省大数据局")

    table = read_table(xlsx(build), "a.xlsx")

    assert [row.cells[2] for row in table.rows] == ["省大数据局"] * 3


def test_a_repeated_header_row_is_skipped_not_imported() -> None:
    data = simple_xlsx([["姓名", "电话"], ["甲", "1"], ["姓名", "电话"], ["乙", "2"]])

    table = read_table(data, "a.xlsx")

    assert [row.cells[0] for row in table.rows] == ["甲", "乙"]
    assert [(item.row_number, item.code) for item in table.skipped] == [(3, SKIP_REPEATED_HEADER)]


def test_the_same_bytes_give_the_same_fingerprint() -> None:
    data = push_list_xlsx()

    first = read_table(data, "a.xlsx").fingerprint
    second = read_table(bytes(data), "renamed.xlsx").fingerprint
    other = read_table(simple_xlsx([["姓名", "电话"], ["甲", "1"]]), "a.xlsx").fingerprint

    assert first == second == hashlib.sha256(data).hexdigest()
    assert other != first


def test_content_decides_the_format_before_the_name() -> None:
    data = push_list_xlsx()

    assert detect_format(data, "名单.csv") == "xlsx"
    assert detect_format(ole_header(), "名单.xlsx") == "xls"
    assert read_table(data, "C:\\Users\\desk\\名单.CSV").format == "xlsx"


def test_an_xls_workbook_is_read_like_an_xlsx_one() -> None:
    data = simple_xls(
        [["洪泽区协查名单"], ["姓名", "身份证号码", "电话"], ["张三", ID_AS_FLOAT, 13812345678]]
    )

    table = read_table(data, "名单.xls")

    assert (table.format, table.sheet_name, table.header_row) == ("xls", "名单", 2)
    assert table.rows[0].cells == ["张三", "320813199001011000", "13812345678"]
    assert table.damaged_cells == [(3, 1)]


def test_a_small_xls_kept_in_the_mini_stream_is_read() -> None:
    workbook = biff_workbook([(0, 0, "姓名"), (0, 1, "电话"), (1, 0, "张三"), (1, 1, 13812345678)], pad=False)
    assert len(workbook) < 4096
    data = compound_file({"Workbook": workbook, "\x05SummaryInformation": b"\x00" * 200})

    assert read_table(data, "名单.xls").rows[0].cells == ["张三", "13812345678"]


def test_a_non_zip_file_named_xlsx_is_refused() -> None:
    error = refused(b"\x00\x01\x02garbage\xff" * 20, "名单.xlsx")

    assert error.code == "file.unreadable"


def test_a_web_page_saved_as_xls_is_refused_with_advice() -> None:
    error = refused("\ufeff<html><table><tr><td>姓名</td></tr></table></html>".encode(), "导出.xls")

    assert (error.code, error.detail) == ("file.unsupported", "markup")


@pytest.mark.parametrize("filename", ["名单.pdf", "名单", "名单.docx.exe"])
def test_other_kinds_of_file_are_unsupported(filename: str) -> None:
    assert refused(b"%PDF-1.4 not a table", filename).code == "file.unsupported"


def test_a_file_over_the_size_limit_is_refused_naming_the_limit() -> None:
    data = push_list_xlsx()

    with pytest.raises(FileRefused) as info:
        read_table(data, "a.xlsx", max_bytes=len(data) - 1)

    assert info.value.code == "file.too_large"
    assert file_size_text(len(data) - 1) in info.value.message
    read_table(data, "a.xlsx", max_bytes=len(data))  # exactly at the limit is fine


def test_file_sizes_are_written_in_units_people_know() -> None:
    assert [file_size_text(n) for n in (812, 5427, 20 * 2**20, 20 * 2**20 + 2**19)] == [
        "812 B",
        "5.3 KB",
        "20 MB",
        "20.5 MB",
    ]


def test_a_sheet_over_the_row_limit_is_refused_naming_the_limit() -> None:
    data = push_list_xlsx()  # its last used row is 9

    error = refused(data, "a.xlsx", max_rows=8)

    assert error.code == "file.too_many_rows"
    assert "8" in error.message
    assert read_table(data, "a.xlsx", max_rows=9).rows


def test_no_recognisable_header_is_refused() -> None:
    data = simple_xlsx([["洪泽区协查名单"], ["甲", "乙", "丙"], ["1", "2", "3"]])

    assert refused(data, "a.xlsx").code == "file.no_header"


def test_the_header_must_be_within_the_first_ten_rows() -> None:
    title_rows = [[f"说明第{number}行"] for number in range(10)]

    assert (
        refused(simple_xlsx([*title_rows, ["姓名", "电话"], ["甲", "1"]]), "a.xlsx").code == "file.no_header"
    )
    assert (
        read_table(simple_xlsx([*title_rows[:9], ["姓名", "电话"], ["甲", "1"]]), "a.xlsx").header_row == 10
    )


def test_a_header_only_file_is_empty() -> None:
    assert refused(simple_xlsx([["姓名", "身份证号码"]]), "a.xlsx").code == "file.empty"


def test_a_header_with_only_footers_under_it_is_empty() -> None:
    data = simple_xlsx([["姓名", "身份证号码"], [], ["合计：0人"]])

    assert refused(data, "a.xlsx").code == "file.empty"


def test_a_workbook_without_any_cell_is_empty() -> None:
    assert refused(xlsx(lambda workbook: workbook.add_worksheet()), "a.xlsx").code == "file.empty"


def test_a_formula_without_a_saved_value_keeps_its_text_and_is_flagged() -> None:
    import io
    import zipfile

    from hongyixing.exchange.columns import apply_mapping, resolve_mapping
    from tests.exchange.builders import rewrite_zip
    from tests.exchange.builders import xlsx as build_xlsx

    def build(workbook) -> None:
        sheet = workbook.add_worksheet("名单")
        for column, header in enumerate(["姓名", "联系电话", "村", "门牌", "现住址"]):
            sheet.write_string(0, column, header)
        for column, value in enumerate(["张三", "13812345678", "临河社区", "人民路18号"]):
            sheet.write_string(1, column, value)
        sheet.write_formula(1, 4, "=C2&D2")

    data = build_xlsx(build)
    member = "xl/worksheets/sheet1.xml"
    xml = zipfile.ZipFile(io.BytesIO(data)).read(member)
    assert b"</f><v>0</v>" in xml
    data = rewrite_zip(
        data, {member: xml.replace(b"</f><v>0</v>", b"</f>")}
    )  # a writer that did not calculate
    table = read_table(data, "名单.xlsx")
    assert table.rows[0].cells[4] == "=C2&D2" and table.rows[0].formulas == frozenset({4})
    mapped = apply_mapping(table, resolve_mapping(table.headers, None))
    assert mapped[0].values["address"] == "=C2&D2" and mapped[0].formula_fields == {"address"}
