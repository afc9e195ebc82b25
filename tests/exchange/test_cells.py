"""One typed cell → one string, always the same; damage detection; formula neutralising."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hongyixing.exchange.cells import (
    CellValue,
    cell_text,
    clean_text,
    display_width,
    is_damaged_number,
    needs_neutralising,
    neutralise,
    row_text,
)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        ("", ""),
        ("\u3000 张三\xa0\u200b", "张三"),
        ("第一行\n第二行", "第一行\n第二行"),  # inner line breaks are kept as written
        (True, "TRUE"),
        (0, "0"),
        (13812345678, "13812345678"),
        (13812345678.0, "13812345678"),
        (-0.0, "0"),
        (1.5, "1.5"),
        (0.1 + 0.2, "0.3"),
        (1e-05, "0.00001"),
        (123456789012345.0, "123456789012345"),
        (3.20813199001011e17, "320813199001011000"),
        (dt.date(2022, 1, 2), "2022-01-02"),
        (dt.datetime(2022, 1, 2, 8, 30), "2022-01-02 08:30"),
        (dt.datetime(2022, 1, 2, 8, 30, 15), "2022-01-02 08:30:15"),
        (dt.time(13, 5), "13:05"),
        (dt.timedelta(hours=26, minutes=3), "26:03:00"),
    ],
)
def test_cell_text(value: CellValue, text: str) -> None:
    assert cell_text(value) == text


@pytest.mark.parametrize(
    ("value", "damaged"),
    [
        (3.20813199001011e17, True),
        (1e15, True),
        (999_999_999_999_999.0, False),
        (13812345678.0, False),
        (320813199001011234, True),
        ("3.20813E+17", True),
        ("３.２０８１３Ｅ＋１７", True),
        ("3.2E+05", False),
        ("320813199001011234", False),
        ("Ebola", False),
        (True, False),
        (None, False),
    ],
)
def test_damage_is_detected_on_numbers_and_their_text_form(value: CellValue, damaged: bool) -> None:
    assert is_damaged_number(value) is damaged


cell_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**18), 10**18),
    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e18, max_value=1e18),
    st.text(max_size=15),
    st.sampled_from(["3.20813E+17", "１e+16", " 1E+20 ", "e"]),
    st.dates(),
    st.datetimes(),
    st.times(),
)


@given(st.lists(cell_values, max_size=8))
def test_the_fast_row_path_equals_the_cell_by_cell_one(values: list[CellValue]) -> None:
    texts, damaged = row_text(values)

    assert texts == [cell_text(value) for value in values]
    assert damaged == frozenset(index for index, value in enumerate(values) if is_damaged_number(value))


@given(st.integers(-(10**15) + 1, 10**15 - 1))
def test_whole_numbers_below_the_threshold_print_exactly(number: int) -> None:
    assert cell_text(float(number)) == str(number)


@given(st.text())
def test_clean_text_is_idempotent(text: str) -> None:
    assert clean_text(clean_text(text)) == clean_text(text)


@pytest.mark.parametrize("text", ["=1+1", "+A1", "-1+2", "@SUM(A1)", "\t=1", "\r=1", "-cmd", "+86 138"])
def test_formula_triggers_get_a_leading_quote(text: str) -> None:
    assert neutralise(text) == "'" + text
    assert needs_neutralising(text)


@pytest.mark.parametrize("text", ["张三", "-12", "+8613812345678", "3.5", "-", "", " =1", "'=1"])
def test_plain_values_are_left_alone(text: str) -> None:
    assert neutralise(text) == text


def test_display_width_counts_wide_characters_twice() -> None:
    assert display_width("姓名ID") == 6
