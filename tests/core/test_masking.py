"""Server-side display masks for ID numbers, phones and names."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hongyixing.core.masking import mask_id_number, mask_name, mask_phone, remask_id_mask
from hongyixing.people.idnumbers import make

id_like = st.text(alphabet="0123456789X", max_size=30)
phone_like = st.text(alphabet="0123456789", max_size=20)
names = st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), max_size=8)


def visible(masked: str) -> int:
    return sum(1 for char in masked if char != "*")


# ---------------------------------------------------------------- ID numbers


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("320813199001011234", "3208************34"),
        ("32081319900101123X", "3208************3X"),
        ("320829850615002", "3208*********02"),  # 15-digit legacy number
        ("E12345678", "E1*****78"),
        ("G12345678901", "G1********01"),
        ("12345678", "1*******"),
        ("AB", "A*"),
        ("A", "A"),
        ("", ""),
    ],
)
def test_mask_id_number_examples(value: str, expected: str) -> None:
    assert mask_id_number(value) == expected


@given(value=id_like)
def test_mask_id_number_shows_at_most_four_plus_four(value: str) -> None:
    masked = mask_id_number(value)
    assert len(masked) == len(value)
    assert visible(masked) <= 8
    if len(value) >= 15:
        assert masked[:4] == value[:4]
        assert masked[-2:] == value[-2:]
        assert masked[4:-2] == "*" * (len(value) - 6)
    elif len(value) > 8:
        assert masked == value[:2] + "*" * (len(value) - 4) + value[-2:]
    elif value:
        assert masked == value[0] + "*" * (len(value) - 1)
    # Every visible character is the original character at that position.
    assert all(m == "*" or m == v for m, v in zip(masked, value, strict=True))


@given(
    area=st.from_regex(r"3208[0-9]{2}", fullmatch=True),
    birth=st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2020, 12, 31)),
    sequence=st.integers(0, 999),
)
def test_mask_of_a_real_id_number_hides_birth_date_and_sequence(
    area: str, birth: dt.date, sequence: int
) -> None:
    number = make(area, birth, sequence)
    masked = mask_id_number(number)
    assert masked.count("*") == 12
    assert f"{birth:%Y%m%d}" not in masked
    assert masked[4:16] == "*" * 12


@pytest.mark.parametrize(
    ("stored", "today"),
    [
        ("3208**********1234", "3208************34"),
        ("3208*******5002", "3208*********02"),
        ("3208************34", "3208************34"),
        ("E1*****78", "E1*****78"),
        ("", ""),
    ],
)
def test_old_stored_masks_are_remasked(stored: str, today: str) -> None:
    assert remask_id_mask(stored) == today


# ---------------------------------------------------------------- phones


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("13812345678", "138****5678"),
        ("051783212345", "051*****2345"),
        ("8613812345678", "861******5678"),
        ("83212345", "****2345"),
        ("12345", "*2345"),
        ("1234", "****"),
        ("1", "*"),
        ("", ""),
    ],
)
def test_mask_phone_examples(value: str, expected: str) -> None:
    assert mask_phone(value) == expected


@given(value=phone_like)
def test_mask_phone_shows_at_most_three_plus_four(value: str) -> None:
    masked = mask_phone(value)
    assert len(masked) == len(value)
    assert visible(masked) <= 7
    if len(value) >= 11:
        assert masked == value[:3] + "*" * (len(value) - 7) + value[-4:]
    elif len(value) > 4:
        assert visible(masked) == 4
        assert masked[-4:] == value[-4:]
    else:
        assert visible(masked) == 0
    if value:
        assert "*" in masked  # something is always hidden
    assert all(m == "*" or m == v for m, v in zip(masked, value, strict=True))


@given(mobile=st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True))
def test_mobile_mask_hides_the_middle_four(mobile: str) -> None:
    masked = mask_phone(mobile)
    assert masked == mobile[:3] + "****" + mobile[7:]
    assert visible(masked) == 7


# ---------------------------------------------------------------- names


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("张三", "张*"),
        ("张三丰", "张*丰"),
        ("欧阳娜娜", "欧**娜"),
        ("爱新觉罗溥仪", "爱****仪"),
        ("张", "张"),
        ("", ""),
    ],
)
def test_mask_name_examples(value: str, expected: str) -> None:
    assert mask_name(value) == expected


@given(value=names)
def test_mask_name_shows_at_most_first_and_last(value: str) -> None:
    masked = mask_name(value)
    assert len(masked) == len(value)
    if len(value) >= 2:
        assert masked[0] == value[0]
        assert visible(masked) == (1 if len(value) == 2 else 2)
        assert masked[1:-1] == "*" * (len(value) - 2)
        assert masked[-1] == ("*" if len(value) == 2 else value[-1])
    else:
        assert masked == value
