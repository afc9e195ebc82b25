"""Pure date arithmetic of measures: day 1 is the start date; the last day is ``end_date``.

A measure of ``period`` days starting on S covers S … S + period - 1. Test day n falls on
S + n - 1. An extension moves the end and adds a test on the new last day; a follow-on measure
starts the day after the end. Kept free of the ORM so it is property-tested on its own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from hongyixing.control.choices import Slot


def end_date(start: dt.date, period_days: int, extension_days: int = 0) -> dt.date:
    if period_days < 1:
        raise ValueError("a measure lasts at least one day")
    return start + dt.timedelta(days=period_days + extension_days - 1)


def day_number(start: dt.date, on: dt.date) -> int:
    return (on - start).days + 1


def test_dates(start: dt.date, test_days: Iterable[int], last: dt.date) -> list[tuple[int, dt.date]]:
    """(day number, date) of each test that falls within the measure, in order, without repeats."""
    dates = sorted({n for n in test_days if n >= 1})
    return [(n, start + dt.timedelta(days=n - 1)) for n in dates if start + dt.timedelta(days=n - 1) <= last]


def extended_test_days(test_days: Iterable[int], period_days: int, extension_days: int) -> list[int]:
    """The test days after an extension: the original ones plus the new last day."""
    days = set(test_days)
    if extension_days:
        days.add(period_days + extension_days)
    return sorted(days)


def follow_on_start(end: dt.date) -> dt.date:
    return end + dt.timedelta(days=1)


def start_from(arrival: dt.date | None, last_exposure: dt.date | None, today: dt.date) -> dt.date:
    """The measure starts on the day of arrival or last exposure (the later, when both are known),
    never in the future; without either it starts today."""
    known = [d for d in (arrival, last_exposure) if d is not None]
    return min(max(known), today) if known else today


def slot_cutoffs(day: dt.date, morning: dt.time, evening: dt.time, tz: dt.tzinfo) -> dict[str, dt.datetime]:
    return {
        Slot.MORNING: dt.datetime.combine(day, morning, tz),
        Slot.EVENING: dt.datetime.combine(day, evening, tz),
    }


def slot_at(moment: dt.datetime, morning_cutoff: dt.time) -> str:
    """Which check a submission at ``moment`` (local time) counts for: the morning one until its
    cut-off, the evening one after it."""
    return Slot.MORNING if moment.time() < morning_cutoff else Slot.EVENING
