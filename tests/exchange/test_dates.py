import datetime as dt

import pytest

from hongyixing.exchange.dates import parse_date

TODAY = dt.date(2022, 3, 10)


@pytest.mark.parametrize(
    "text",
    [
        "2022-03-05",
        "2022-3-5",
        "2022.3.5",
        "2022/3/5",
        "2022/03/05 10:30:00",
        "2022-03-05 08:00",
        "2022年3月5日",
        "2022年03月05号",
        "3月5日",
        "3月5号 14:00",
        "20220305",
        "44625",
        "44625.75",
        "２０２２．３．５".translate(str.maketrans("０１２３４５６７８９", "0123456789")),
    ],
)
def test_common_forms(text: str) -> None:
    assert parse_date(text, TODAY) == dt.date(2022, 3, 5)


def test_month_day_late_in_the_year_is_last_year() -> None:
    assert parse_date("12月30日", TODAY) == dt.date(2021, 12, 30)


@pytest.mark.parametrize("text", ["", "3/5", "5.3", "昨天", "2022-02-30", "9999-01-01", "12345", "2022.13.1"])
def test_unreadable_or_implausible_is_none(text: str) -> None:
    assert parse_date(text, TODAY) is None
