"""Resident identity numbers (GB 11643-1999), with the historical address codes people still carry.

python-stdnum's ``cn.ric`` rejects address codes that no longer exist (Hongze's 320829 and 322230),
so validation here checks structure, birth date and check character, and accepts any address code
whose province part is real.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from operator import mul

from django.utils.translation import gettext as _

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
PROVINCE_CODES = frozenset(
    {
        "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41",
        "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71",
        "81", "82", "83",
    }
)  # fmt: skip
# Hongze's address code by the year a number was issued (for demo data and routing hints).
HONGZE_AREA_CODES = {"320813": "洪泽区 (2016–)", "320829": "洪泽县 (1983–2016)", "322230": "洪泽县 (–1983)"}
EARLIEST_BIRTH = dt.date(1880, 1, 1)

# Only ASCII digits: str.isdigit() also accepts Arabic-Indic and other scripts' digits.
_ASCII_DIGITS = re.compile(r"^[0-9]+$")
_ASCII_ID = re.compile(r"^[0-9]{17}[0-9X]$")
# Already plain: 18 ASCII characters, nothing to fold and no spreadsheet damage possible.
_PLAIN_18 = re.compile(r"[0-9]{17}[0-9Xx]\Z")
_SEPARATORS = re.compile(r"[\s\-_—–·.]")
_EXCEL_FLOAT = re.compile(r"^\d(\.\d+)?E\+?\d+$|^\d{15,18}\.0+$", re.IGNORECASE)


class IdNumberError(ValueError):
    """A value that cannot be a valid ID number; ``code`` is stable, ``message`` is plain words."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class IdNumber:
    number: str
    area_code: str
    birth_date: dt.date
    sex: str  # "M" or "F" (GB/T 2261.1: 1 male, 2 female)
    upgraded_from_15: bool = False

    @property
    def province_code(self) -> str:
        return self.area_code[:2]


def normalise(raw: str) -> str:
    """Fold full-width characters, drop spaces and dashes, upper-case the check letter."""
    folded = unicodedata.normalize("NFKC", raw or "")
    return _SEPARATORS.sub("", folded).upper()


def check_character(first17: str) -> str:
    if len(first17) != len(WEIGHTS):
        raise ValueError("the check character is computed from 17 digits")
    return CHECK_CHARS[sum(map(mul, map(int, first17), WEIGHTS)) % 11]


def looks_like_excel_float(raw: str) -> bool:
    """True for '3.20813199001011E+17' or '320813199001011000.0': digits lost to a spreadsheet."""
    if _PLAIN_18.match(raw):
        return False
    return bool(_EXCEL_FLOAT.match(unicodedata.normalize("NFKC", raw or "").strip()))


def upgrade_15(number15: str) -> str:
    first17 = number15[:6] + "19" + number15[6:]
    return first17 + check_character(first17)


def parse(raw: str, *, today: dt.date | None = None) -> IdNumber:
    if _PLAIN_18.match(raw):
        number = raw.upper()  # most numbers of a list: skip the folding below
    elif looks_like_excel_float(raw):
        raise IdNumberError(
            "id.spreadsheet_float",
            _("The ID number was turned into a number by a spreadsheet and its last digits are lost"),
        )
    else:
        number = normalise(raw)
    if not number:
        raise IdNumberError("id.empty", _("The ID number is empty"))
    upgraded = False
    if len(number) == 15:
        if not _ASCII_DIGITS.match(number):
            raise IdNumberError("id.bad_chars", _("A 15-digit ID number may contain digits only"))
        number = upgrade_15(number)
        upgraded = True
    if len(number) != 18:
        raise IdNumberError(
            "id.bad_length",
            _("An ID number has 18 digits (or 15 in the old format), this one has %(n)d")
            % {"n": len(number)},
        )
    if not _ASCII_ID.match(number):
        raise IdNumberError(
            "id.bad_chars",
            _("The first 17 characters of an ID number are digits and the last is a digit or X"),
        )
    if number[:2] not in PROVINCE_CODES:
        raise IdNumberError(
            "id.bad_area",
            _("Address code %(code)s does not start with a real province") % {"code": number[:6]},
        )
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError as error:
        raise IdNumberError(
            "id.bad_date", _("Birth date %(date)s is not a real date") % {"date": number[6:14]}
        ) from error
    if birth < EARLIEST_BIRTH or birth > (today or dt.date.today()):
        raise IdNumberError(
            "id.bad_date", _("Birth date %(date)s is not plausible") % {"date": birth.isoformat()}
        )
    expected = check_character(number[:17])
    if number[17] != expected:
        raise IdNumberError("id.bad_check", _("The check character is wrong (a digit was probably mistyped)"))
    sex = "M" if int(number[16]) % 2 else "F"
    return IdNumber(number=number, area_code=number[:6], birth_date=birth, sex=sex, upgraded_from_15=upgraded)


def is_valid(raw: str) -> bool:
    try:
        parse(raw)
    except IdNumberError:
        return False
    return True


def near_misses(raw: str, *, today: dt.date | None = None) -> list[str]:
    """The valid numbers one slip away from an invalid 18-character one: one character mistyped, or two
    neighbours swapped. The check character catches every such slip (mod 11), so a number that fails it
    was probably one of these; the caller still needs other evidence (the name) to pick one. Works on the
    weighted sum, so only the guesses that pass the check character are built and parsed."""
    number = normalise(raw)
    if re.fullmatch(r"[0-9]{16}X[0-9]", number):
        # The check letter X and the digit before it swapped: the only slip that puts X in the body.
        swapped = number[:16] + number[17] + "X"
        return [swapped] if is_valid_on(swapped, today) else []
    if not _ASCII_ID.match(number) or is_valid_on(number, today):
        return []
    digits = [int(ch) for ch in number[:17]]
    total = sum(d * w for d, w in zip(digits, WEIGHTS, strict=True))
    check = number[17]
    guesses: set[str] = set()
    if CHECK_CHARS[total % 11] != check:
        guesses.add(number[:17] + CHECK_CHARS[total % 11])  # the check character itself mistyped
    for position, (digit, weight) in enumerate(zip(digits, WEIGHTS, strict=True)):
        base = total - digit * weight
        for other in range(10):
            if other != digit and CHECK_CHARS[(base + other * weight) % 11] == check:
                guesses.add(f"{number[:position]}{other}{number[position + 1 :]}")
    for position in range(16):
        a, b = digits[position], digits[position + 1]
        if a != b:
            wa, wb = WEIGHTS[position], WEIGHTS[position + 1]
            if CHECK_CHARS[(total - a * wa - b * wb + b * wa + a * wb) % 11] == check:
                guesses.add(f"{number[:position]}{b}{a}{number[position + 2 :]}")
    if digits[16] != (10 if check == "X" else int(check)):
        swapped = number[:16] + number[17] + number[16]  # the last digit and the check character swapped
        if _ASCII_ID.match(swapped) and check_character(swapped[:17]) == swapped[17]:
            guesses.add(swapped)
    return sorted(guess for guess in guesses if is_valid_on(guess, today))


def is_valid_on(raw: str, today: dt.date | None) -> bool:
    try:
        parse(raw, today=today)
    except IdNumberError:
        return False
    return True


def make(area_code: str, birth_date: dt.date, sequence: int) -> str:
    """Build a valid 18-digit number (sequence 0–999; odd sequences are male)."""
    first17 = f"{area_code}{birth_date:%Y%m%d}{sequence:03d}"
    return first17 + check_character(first17)


def normalise_document(raw: str) -> str:
    """Passports and other documents: fold width, drop separators, upper-case."""
    return normalise(raw)
