"""read_table on CSV and text files: encodings, delimiters, quoting, limits."""

from __future__ import annotations

import codecs

import pytest

from hongyixing.exchange import FileRefused, read_table
from hongyixing.exchange.tabular import SKIP_BLANK, SKIP_FOOTER, decode_text, sniff_delimiter

LINES = [
    "洪泽区协查名单（第12批）,,,",
    "姓名,身份证号码,联系电话,现住址",
    '张三,320813199001011234,13812345678,"洪泽区高良涧街道临河社区复兴路128号,3栋"',
    ",,,",
    "李四,3.20813E+17,13912345678,岔河镇",
    "合计：2人,,,",
]
TEXT = "\r\n".join(LINES) + "\r\n"


def refused(data: bytes, filename: str = "名单.csv", **kwargs: int) -> FileRefused:
    with pytest.raises(FileRefused) as info:
        read_table(data, filename, **kwargs)
    return info.value


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (TEXT.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + TEXT.encode("utf-8"), "utf-8-sig"),
        (TEXT.encode("gbk"), "gb18030"),
        (TEXT.encode("utf-16"), "utf-16"),
    ],
    ids=["utf-8", "utf-8-bom", "gbk", "utf-16"],
)
def test_every_usual_encoding_reads_the_same_table(data: bytes, encoding: str) -> None:
    table = read_table(data, "名单.csv")

    assert (table.format, table.encoding, table.delimiter) == ("csv", encoding, ",")
    assert table.headers == ["姓名", "身份证号码", "联系电话", "现住址"]
    assert table.header_row == 2
    assert table.rows[0].cells == [
        "张三",
        "320813199001011234",
        "13812345678",
        "洪泽区高良涧街道临河社区复兴路128号,3栋",  # the quoted comma stays in the cell
    ]
    assert [row.number for row in table.rows] == [3, 5]
    assert [(item.row_number, item.code) for item in table.skipped] == [(4, SKIP_BLANK), (6, SKIP_FOOTER)]
    assert [row.cells for row in table.preamble] == [["洪泽区协查名单（第12批）"]]


def test_an_id_already_damaged_before_export_to_csv_is_flagged() -> None:
    table = read_table(TEXT.encode(), "名单.csv")

    assert table.rows[1].cells[1] == "3.20813E+17"  # kept as written
    assert table.damaged_cells == [(5, 1)]


@pytest.mark.parametrize("delimiter", ["\t", ";", ","])
def test_the_delimiter_is_sniffed(delimiter: str) -> None:
    text = "\n".join(
        [
            "洪泽区协查名单",
            delimiter.join(["姓名", "手机号", "备注"]),
            delimiter.join(["张三", "13812345678", "返洪，已落地检"]),
            delimiter.join(["李四", "13912345678", ""]),
        ]
    )

    table = read_table(text.encode("gbk"), "名单.txt")

    assert table.delimiter == delimiter
    assert table.rows[0].cells == ["张三", "13812345678", "返洪，已落地检"]


def test_sniffing_prefers_the_delimiter_that_gives_consistent_rows() -> None:
    text = "姓名;电话,备注\n张三;138,说明a,b\n李四;139,c\n王五;137,d\n"

    assert sniff_delimiter(text) == ";"


def test_excel_text_formulas_are_unwrapped_and_cells_trimmed() -> None:
    data = '姓名,身份证号码\n\u3000张三 ,="320813199001011234"\n'.encode()

    assert read_table(data, "a.csv").rows[0].cells == ["张三", "320813199001011234"]


def test_formula_text_in_a_csv_is_kept_as_text() -> None:
    data = "姓名,电话\n=1+1,@SUM(A1)\n".encode()

    assert read_table(data, "a.csv").rows[0].cells == ["=1+1", "@SUM(A1)"]


def test_csv_text_under_an_excel_name_is_read_as_csv() -> None:
    table = read_table(TEXT.encode("gbk"), "系统导出.xls")

    assert (table.format, len(table.rows)) == ("csv", 2)


def test_binary_garbage_is_refused_clearly() -> None:
    garbage = bytes(range(256)) * 4

    assert refused(garbage, "名单.csv").code == "file.unreadable"
    assert refused(garbage.replace(b"\x00", b""), "名单.csv").code == "file.unreadable"


def test_an_unknown_encoding_is_refused() -> None:
    with pytest.raises(FileRefused) as info:
        decode_text("姓名,电话\n".encode() + b"\x80\xff" * 10)  # neither UTF-8 nor GB18030

    assert (info.value.code, info.value.detail) == ("file.unreadable", "encoding")


def test_an_unclosed_quote_is_refused_with_its_line() -> None:
    data = ("姓名,电话\n" + '张三,"138\n' + "李四,139\n" * 20_000).encode()

    error = refused(data)

    assert error.code == "file.unreadable"
    assert "field larger than field limit" in error.detail


def test_limits_name_the_limit() -> None:
    data = ("姓名,电话\n" + "张三,138\n" * 20).encode()

    size = refused(data, max_bytes=100)
    rows = refused(data, max_rows=20)

    assert size.code == "file.too_large" and "100 B" in size.message
    assert rows.code == "file.too_many_rows" and "20" in rows.message
    assert len(read_table(data, "a.csv", max_rows=21).rows) == 20


def test_a_row_with_absurdly_many_fields_is_refused() -> None:
    data = ("姓名,电话\n张三," + "," * 1_000 + "\n").encode()

    assert refused(data).code == "file.too_many_columns"


def test_empty_and_header_only_files() -> None:
    assert refused(b"").code == "file.empty"
    assert refused(b" \r\n\r\n").code == "file.empty"
    assert refused("姓名,身份证号码\r\n,\r\n".encode()).code == "file.empty"
    assert refused("甲,乙\n1,2\n".encode()).code == "file.no_header"


def test_data_beyond_the_header_width_is_kept() -> None:
    table = read_table("姓名,电话\n张三,138,补充说明\n李四\n".encode(), "a.csv")

    assert table.headers == ["姓名", "电话"]
    assert [row.cells for row in table.rows] == [["张三", "138", "补充说明"], ["李四", ""]]


def test_numbered_footer_and_numbered_blank_line_are_not_people() -> None:
    lines = [
        "序号,姓名,身份证号码,联系电话,现住址",
        "1,张三,320813199001011234,13812345678,临河社区",
        "37,,,,",
        "41,制表人：王五,审核人：赵六,,",
        "42,合计,1人,,",
    ]
    table = read_table(("\r\n".join(lines) + "\r\n").encode(), "名单.csv")
    assert [row.number for row in table.rows] == [2]
    assert [(item.row_number, item.code) for item in table.skipped] == [
        (3, SKIP_BLANK),
        (4, SKIP_FOOTER),
        (5, SKIP_FOOTER),
    ]
