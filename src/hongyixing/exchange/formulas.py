"""Formula cells an xlsx file holds without a saved value.

A workbook written by a program (not by Excel or WPS, which calculate on save) may carry ``=B2&C2``
with no result: calamine then reads an empty cell, and the address or name it stood for would be lost
without a word. The formula's own text is what the sender meant; the reader keeps it as the value and
flags the cell. Read after ``guard_xlsx.check_xlsx`` has bounded every member.
"""

from __future__ import annotations

import html
import io
import re
import zipfile

from .cells import column_number

_SHEET = re.compile(rb"<(?:\w+:)?sheet\b[^>]*?\bname=\"([^\"]*)\"[^>]*?\br:id=\"([^\"]*)\"", re.S)
_SHEET_ID_FIRST = re.compile(rb"<(?:\w+:)?sheet\b[^>]*?\br:id=\"([^\"]*)\"[^>]*?\bname=\"([^\"]*)\"", re.S)
_REL = re.compile(rb"<Relationship\b[^>]*?\bId=\"([^\"]*)\"[^>]*?\bTarget=\"([^\"]*)\"", re.S)
_REL_TARGET_FIRST = re.compile(rb"<Relationship\b[^>]*?\bTarget=\"([^\"]*)\"[^>]*?\bId=\"([^\"]*)\"", re.S)
# A cell with a formula and no value: <c r="E2" ...><f>B2&amp;C2</f></c>, or an empty <v/>.
_CELL = re.compile(
    rb"<c\b[^>]*?\br=\"([A-Z]{1,3})([0-9]{1,7})\"[^>]*>\s*<f(?:\s[^>]*)?>([^<]*)</f>\s*(?:<v\s*/>|<v>\s*</v>)?\s*</c>"
)


def _sheet_member(archive: zipfile.ZipFile, sheet_name: str) -> str | None:
    try:
        workbook = archive.read("xl/workbook.xml")
        rels = archive.read("xl/_rels/workbook.xml.rels")
    except KeyError:
        return None
    ids = {html.unescape(n.decode()): i for n, i in _SHEET.findall(workbook)}
    ids.update({html.unescape(n.decode()): i for i, n in _SHEET_ID_FIRST.findall(workbook)})
    targets = dict(_REL.findall(rels))
    targets.update({i: t for t, i in _REL_TARGET_FIRST.findall(rels)})
    target = targets.get(ids.get(sheet_name, b""))
    if target is None:
        return None
    path = target.decode().lstrip("/")
    return path if path.startswith("xl/") else f"xl/{path}"


def uncached_formulas(data: bytes, sheet_name: str) -> dict[tuple[int, int], str]:
    """(row index, column index), both from 0, → the formula text (with its ``=``) of every formula
    cell of the sheet that has no saved value."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            member = _sheet_member(archive, sheet_name)
            if member is None:
                return {}
            xml = archive.read(member)
    except (KeyError, zipfile.BadZipFile):
        return {}
    if b"<f" not in xml:
        return {}
    return {
        (int(row) - 1, column_number(letters.decode()) - 1): "=" + html.unescape(formula.decode())
        for letters, row, formula in _CELL.findall(xml)
        if formula.strip()
    }
