"""Dates as senders write them: ISO, dotted, slashed, Chinese, compact, Excel serial numbers.

A date cell already arrives as ISO text (``cells.cell_text``); a date typed into a text cell or a
number-formatted cell arrives as the sender wrote it. ``parse_date`` reads every common form and says
"unknown" (``None``) rather than guess: ``3/5`` or ``5.3`` could be either month first or day first.
"""

from __future__ import annotations

import datetime as dt
import re

EXCEL_EPOCH = dt.date(1899, 12, 30)  # Excel's day 0, counting the 1900 leap-year bug
# Serial numbers of plausible dates (1954 … 2119): a bare number outside this is not a date.
SERIAL_RANGE = (20_000, 80_000)
EARLIEST = dt.date(1990, 1, 1)
# A list may announce arrivals a few weeks ahead (报备), never years.
AHEAD = dt.timedelta(days=60)

_TIME = r"(?:[ T]\d{1,2}[:：]\d{1,2}(?:[:：]\d{1,2}(?:\.\d+)?)?)?"
_YMD = re.compile(r"^(\d{4})\s*[-./年]\s*(\d{1,2})\s*[-./月]\s*(\d{1,2})\s*[日号]?" + _TIME + r"$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_MONTH_DAY = re.compile(r"^(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?" + _TIME + r"$")
_SERIAL = re.compile(r"^(\d{5})(?:\.\d+)?$")


def _plausible(value: dt.date, today: dt.date) -> dt.date | None:
    return value if EARLIEST <= value <= today + AHEAD else None


def _make(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def parse_date(text: str, today: dt.date) -> dt.date | None:
    """The date ``text`` means, or ``None`` when it cannot be read for certain. ``today`` (the day the
    list was received) gives a year to ``3月5日`` — the last such day not far after it — and bounds
    what is plausible."""
    value = text.strip().replace("／", "/").replace("．", ".").replace("－", "-")
    if not value:
        return None
    if match := _YMD.match(value) or _COMPACT.match(value):
        found = _make(int(match[1]), int(match[2]), int(match[3]))
        return _plausible(found, today) if found else None
    if match := _MONTH_DAY.match(value):
        month, day = int(match[1]), int(match[2])
        for year in (today.year, today.year - 1):
            found = _make(year, month, day)
            if found and found <= today + AHEAD:
                return _plausible(found, today)
        return None
    if match := _SERIAL.match(value):
        serial = int(match[1])
        if SERIAL_RANGE[0] <= serial <= SERIAL_RANGE[1]:
            return _plausible(EXCEL_EPOCH + dt.timedelta(days=serial), today)
    return None
