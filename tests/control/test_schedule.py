"""The date arithmetic of measures, as properties over any start date and rule."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from hongyixing.control import schedule

starts = st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2030, 12, 31))
periods = st.integers(min_value=1, max_value=28)
day_lists = st.lists(st.integers(min_value=-2, max_value=40), max_size=8)


@given(starts, periods, st.integers(min_value=0, max_value=28))
def test_a_measure_covers_exactly_its_days(start: dt.date, period: int, extension: int) -> None:
    end = schedule.end_date(start, period, extension)
    assert (end - start).days + 1 == period + extension
    assert schedule.day_number(start, end) == period + extension


@given(starts, periods, day_lists)
def test_test_dates_fall_inside_the_measure_in_order(start: dt.date, period: int, days: list[int]) -> None:
    end = schedule.end_date(start, period)
    dates = schedule.test_dates(start, days, end)
    assert [d for _n, d in dates] == sorted({d for _n, d in dates})
    for number, date in dates:
        assert start <= date <= end
        assert schedule.day_number(start, date) == number
    assert {n for n, _d in dates} == {n for n in days if 1 <= n <= period}


@given(starts, periods, st.integers(min_value=1, max_value=28), day_lists)
def test_an_extension_adds_a_test_on_the_new_last_day(
    start: dt.date, period: int, extra: int, days: list[int]
) -> None:
    extended = schedule.extended_test_days(days, period, extra)
    end = schedule.end_date(start, period, extra)
    assert schedule.test_dates(start, extended, end)[-1] == (period + extra, end)


@given(starts)
def test_seven_plus_three_is_ten_contiguous_days(start: dt.date) -> None:
    central_end = schedule.end_date(start, 7)
    home_start = schedule.follow_on_start(central_end)
    home_end = schedule.end_date(home_start, 3)
    assert home_start == central_end + dt.timedelta(days=1)
    assert (home_end - start).days + 1 == 10


@given(st.one_of(st.none(), starts), st.one_of(st.none(), starts), starts)
def test_start_is_the_later_known_date_never_in_the_future(
    arrival: dt.date | None, exposure: dt.date | None, today: dt.date
) -> None:
    start = schedule.start_from(arrival, exposure, today)
    assert start <= today
    known = [d for d in (arrival, exposure) if d]
    assert start == (min(max(known), today) if known else today)


def test_slot_follows_the_morning_cut_off() -> None:
    cutoff = dt.time(10, 0)
    assert schedule.slot_at(dt.datetime(2026, 1, 1, 9, 59), cutoff) == "m"
    assert schedule.slot_at(dt.datetime(2026, 1, 1, 10, 0), cutoff) == "e"
