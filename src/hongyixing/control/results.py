"""A laboratory's result sheet (xlsx/xls/csv) read into rows for ``services.do_import_results``.

Labs send 姓名, 身份证号, a tube barcode column and 检测结果; the header row is found like a push
list's (at least two known column names), the barcode, result and laboratory columns by their
usual names."""

from __future__ import annotations

from django.utils.translation import gettext as _

from hongyixing.control.services import ResultRow
from hongyixing.exchange.columns import normalise_header
from hongyixing.exchange.errors import FileRefused
from hongyixing.exchange.tabular import read_table

BARCODE = ("条码", "条码号", "样本编号", "样本条码", "试管编号", "管码", "barcode", "tube")
ID_NUMBER = ("身份证号", "身份证号码", "证件号码", "证件号", "id number", "id_number")
RESULT = ("检测结果", "核酸结果", "结果", "result")
LAB = ("检测机构", "实验室", "检测单位", "lab", "laboratory")


def _column(headers: list[str], names: tuple[str, ...]) -> int | None:
    normalised = [normalise_header(h) for h in headers]
    for name in names:
        wanted = normalise_header(name)
        for index, header in enumerate(normalised):
            if header == wanted:
                return index
    for name in names:
        wanted = normalise_header(name)
        for index, header in enumerate(normalised):
            if wanted in header:
                return index
    return None


def read_results(data: bytes, filename: str) -> list[ResultRow]:
    table = read_table(data, filename)
    barcode = _column(table.headers, BARCODE)
    id_number = _column(table.headers, ID_NUMBER)
    result = _column(table.headers, RESULT)
    lab = _column(table.headers, LAB)
    if result is None or (barcode is None and id_number is None):
        raise FileRefused(
            "results.no_columns",
            _(
                "The sheet needs a result column (检测结果) and a barcode (条码) "
                "or ID number (身份证号) column."
            ),
        )

    def cell(cells: list[str], index: int | None) -> str:
        return cells[index].strip() if index is not None and index < len(cells) else ""

    return [
        ResultRow(
            row_number=row.number,
            barcode=cell(row.cells, barcode),
            id_number=cell(row.cells, id_number),
            result=cell(row.cells, result),
            lab=cell(row.cells, lab),
        )
        for row in table.rows
    ]
