"""One cell ↔ one string, the same way every time.

Spreadsheet cells arrive typed (python-calamine gives int, float, bool, dates, times, durations);
the pipeline wants the text a person saw in the cell. Identifiers must never be reformatted except
where a spreadsheet already damaged them, and that damage is reported, not repaired.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Sequence
from decimal import Decimal

# Above this a number cannot be a count, an amount or a phone; it is an ID number (or a bank card)
# that Excel stored as a float and rounded to 15 significant digits.
DAMAGE_THRESHOLD = 1e15
# The same damage seen as text, in CSV files exported after the fact: "3.20813E+17".
_SCIENTIFIC = re.compile(r"^[0-9](?:\.[0-9]+)?[eE]\+?([0-9]{1,3})$")

# Characters people type or paste around values that are not part of the value. Full-width space
# (U+3000) comes from Chinese input methods, NBSP from web pages, ZWSP/BOM from copy-paste.
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff"
_SPACES = {"\u3000": " ", "\xa0": " ", "\u2002": " ", "\u2003": " ", "\u2009": " ", "\u202f": " "}
_SPACE_TABLE = str.maketrans({**_SPACES, **dict.fromkeys(_INVISIBLE, "")})
_ODD_SPACE = re.compile(f"[{_INVISIBLE}{''.join(_SPACES)}]")

# Leading characters that make Excel/WPS treat a cell as a formula (OWASP "CSV injection").
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# A lone "-" is the usual "nothing here" placeholder and spreadsheets show it as text.
_PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?|-")

CellValue = str | int | float | bool | dt.date | dt.datetime | dt.time | dt.timedelta | None


def clean_text(value: str) -> str:
    """Normalise exotic spaces, drop invisible characters and trim; keep everything else as written."""
    if _ODD_SPACE.search(value):
        value = value.translate(_SPACE_TABLE)
    return value.strip()


def _format_float(value: float) -> str:
    if value != value or value in (float("inf"), float("-inf")):  # NaN/inf: calamine never gives them
        return str(value)
    if value.is_integer():
        if abs(value) < DAMAGE_THRESHOLD:
            return str(int(value))
        # Show what Excel shows with a "0" number format: 15 significant digits, then zeros. That
        # is the value the sender saw, so a report can quote it back to them.
        return str(int(Decimal(format(value, ".15g"))))
    # Excel displays at most 15 significant digits (0.1 + 0.2 shows as 0.3); never use an exponent.
    text = format(Decimal(format(value, ".15g")), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _format_time(value: dt.time) -> str:
    return value.strftime("%H:%M:%S" if value.second or value.microsecond else "%H:%M")


def cell_text(value: CellValue) -> str:
    """The text of one typed cell; deterministic, never an exponent, dates in ISO form."""
    if value is None:
        return ""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, bool):  # before int: bool is an int subclass
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _format_float(value)
    if isinstance(value, dt.datetime):  # before date: datetime is a date subclass
        return f"{value.date().isoformat()} {_format_time(value.time())}"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return _format_time(value)
    if isinstance(value, dt.timedelta):
        total = int(value.total_seconds())
        sign, total = ("-", -total) if total < 0 else ("", total)
        hours, rest = divmod(total, 3600)
        return f"{sign}{hours}:{rest // 60:02d}:{rest % 60:02d}"
    return clean_text(str(value))


def row_text(values: Sequence[CellValue]) -> tuple[list[str], frozenset[int]]:
    """cell_text over a whole row, plus the columns holding damaged numbers.

    The same result as calling cell_text and is_damaged_number per cell, with the common cases
    (short ASCII text, small whole numbers) inlined: a 200 000-row sheet has millions of cells.
    """
    texts: list[str] = []
    damaged: list[int] = []
    for column, value in enumerate(values):
        if isinstance(value, str):
            if not value:
                texts.append("")
                continue
            texts.append(value.strip() if value.isascii() else clean_text(value))
            if ("E" in value or "e" in value or "Ｅ" in value or "ｅ" in value) and is_damaged_number(value):
                damaged.append(column)
        elif isinstance(value, float) and value.is_integer() and abs(value) < DAMAGE_THRESHOLD:
            texts.append(str(int(value)))
        else:
            texts.append(cell_text(value))
            if is_damaged_number(value):
                damaged.append(column)
    return texts, frozenset(damaged)


def is_damaged_number(value: CellValue) -> bool:
    """True when a cell holds an identifier that a spreadsheet turned into a (rounded) number."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return abs(value) >= DAMAGE_THRESHOLD
    if isinstance(value, str):
        match = _SCIENTIFIC.match(unicodedata.normalize("NFKC", value).strip())
        return match is not None and int(match.group(1)) >= 15
    return False


def neutralise(text: str) -> str:
    """Prefix a quote to text that a spreadsheet would run as a formula; plain numbers pass as is.

    "-12", "+8613812345678" and a lone "-" cannot be formulas, and quoting them would damage data.
    """
    if text.startswith(FORMULA_TRIGGERS) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def needs_neutralising(text: str) -> bool:
    return neutralise(text) != text


def display_width(text: str) -> int:
    """Width in spreadsheet column units: CJK and full-width characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def column_number(letters: str) -> int:
    """'A' → 1, 'Z' → 26, 'AA' → 27, 'XFD' → 16384."""
    number = 0
    for letter in letters.upper():
        number = number * 26 + (ord(letter) - ord("A") + 1)
    return number


def column_letters(number: int) -> str:
    """1 → 'A', 27 → 'AA'; the inverse of column_number."""
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters
