"""GB 11643-1999 resident ID numbers: structure, check character, normalisation and legacy forms."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from hongyixing.people import idnumbers
from hongyixing.people.idnumbers import (
    HONGZE_AREA_CODES,
    IdNumber,
    IdNumberError,
    check_character,
    is_valid,
    looks_like_excel_float,
    make,
    normalise,
    normalise_document,
    parse,
    upgrade_15,
)

TODAY = dt.date(2025, 6, 1)
ASCII_ID = re.compile(r"^[0-9]{17}[0-9X]$")

# ---------------------------------------------------------------- strategies

provinces = st.sampled_from(sorted(idnumbers.PROVINCE_CODES))
area_codes = st.one_of(
    st.sampled_from(sorted(HONGZE_AREA_CODES)),
    st.builds(lambda province, rest: province + rest, provinces, st.from_regex(r"[0-9]{4}", fullmatch=True)),
)
birth_dates = st.dates(min_value=idnumbers.EARLIEST_BIRTH, max_value=TODAY)
sequences = st.integers(min_value=0, max_value=999)
valid_numbers = st.builds(make, area_codes, birth_dates, sequences)

# Separators the module promises to drop: ASCII and full-width spaces, and dashes of every width.
SEPARATORS = [" ", "\u3000", "\t", "-", "\uff0d", "\u2014", "\u2013", "_"]


def full_width(char: str) -> str:
    return chr(ord(char) + 0xFEE0)


@st.composite
def messy_variants(draw: st.DrawFn, number: str) -> str:
    """``number`` as someone might type or paste it: mixed widths, lower-case x, separators."""
    out = [draw(st.sampled_from(["", " ", "\u3000"]))]
    for index, char in enumerate(number):
        if char == "X":
            char = draw(st.sampled_from(["X", "x", "\uff38", "\uff58"]))
        elif draw(st.booleans()):
            char = full_width(char)
        out.append(char)
        if index < len(number) - 1 and draw(st.integers(0, 3)) == 0:
            out.append(draw(st.text(alphabet=SEPARATORS, min_size=1, max_size=3)))
    out.append(draw(st.sampled_from(["", " ", "\u3000", "\n"])))
    return "".join(out)


def error_code(raw: str, **kwargs: object) -> str:
    with pytest.raises(IdNumberError) as info:
        parse(raw, **kwargs)  # type: ignore[arg-type]
    return info.value.code


def with_check(first17: str) -> str:
    return first17 + check_character(first17)


# ---------------------------------------------------------------- check character, by hand


def test_check_character_of_the_standards_own_example() -> None:
    # 1*7+1*9+0*10+1*5+0*8+5*4+1*2+9*1+4*6+9*3+1*7+2*9+3*10+1*5+0*8+0*4+2*2 = 167; 167 mod 11 = 2 -> "X"
    assert check_character("11010519491231002") == "X"
    assert parse("11010519491231002X", today=TODAY).birth_date == dt.date(1949, 12, 31)


@pytest.mark.parametrize(
    ("first17", "expected"),
    [
        # sum 200, 200 mod 11 = 2 -> CHECK_CHARS[2] = "X"
        ("32081319900101123", "X"),
        # sum 298, 298 mod 11 = 1 -> CHECK_CHARS[1] = "0"
        ("32082919850615002", "0"),
        # sum 184, 184 mod 11 = 8 -> CHECK_CHARS[8] = "4"
        ("32223019700301011", "4"),
    ],
)
def test_check_character_hand_computed(first17: str, expected: str) -> None:
    assert check_character(first17) == expected


def test_check_character_table_covers_every_residue() -> None:
    assert len(idnumbers.CHECK_CHARS) == 11
    assert tuple(pow(2, 17 - i, 11) for i in range(17)) == idnumbers.WEIGHTS


def test_check_character_requires_exactly_17_digits() -> None:
    with pytest.raises(ValueError):
        check_character("1101051949123100")
    with pytest.raises(ValueError):
        check_character("110105194912310021")


# ---------------------------------------------------------------- hand-checked real-format numbers


def test_parse_hand_checked_hongze_number() -> None:
    parsed = parse("32081319900101123X", today=TODAY)
    assert parsed == IdNumber(
        number="32081319900101123X",
        area_code="320813",
        birth_date=dt.date(1990, 1, 1),
        sex="M",
        upgraded_from_15=False,
    )
    assert parsed.province_code == "32"


@pytest.mark.parametrize(
    ("raw", "area", "birth", "sex"),
    [
        ("32081319900101123X", "320813", dt.date(1990, 1, 1), "M"),  # 洪泽区 (2016–)
        ("320829198506150020", "320829", dt.date(1985, 6, 15), "F"),  # 洪泽县 (1983–2016)
        ("322230197003010114", "322230", dt.date(1970, 3, 1), "M"),  # 洪泽县 (–1983)
    ],
)
def test_historical_hongze_area_codes_are_accepted(raw: str, area: str, birth: dt.date, sex: str) -> None:
    assert area in HONGZE_AREA_CODES
    parsed = parse(raw, today=TODAY)
    assert parsed.number == raw
    assert parsed.area_code == area
    assert parsed.birth_date == birth
    assert parsed.sex == sex
    assert is_valid(raw)


def test_make_builds_the_hand_checked_number() -> None:
    assert make("320813", dt.date(1990, 1, 1), 123) == "32081319900101123X"
    assert make("320829", dt.date(1985, 6, 15), 2) == "320829198506150020"


# ---------------------------------------------------------------- properties of make/parse


@given(area=area_codes, birth=birth_dates, sequence=sequences)
def test_made_numbers_parse_back(area: str, birth: dt.date, sequence: int) -> None:
    number = make(area, birth, sequence)
    assert ASCII_ID.match(number)
    parsed = parse(number, today=TODAY)
    assert parsed.number == number
    assert parsed.area_code == area
    assert parsed.province_code == area[:2]
    assert parsed.birth_date == birth
    assert parsed.sex == ("M" if sequence % 2 else "F")
    assert parsed.upgraded_from_15 is False


@given(number=valid_numbers, data=st.data())
def test_width_case_and_separator_variants_parse_to_the_same_number(number: str, data: st.DataObject) -> None:
    variant = data.draw(messy_variants(number))
    assert normalise(variant) == number
    assert parse(variant, today=TODAY).number == number


@given(number=valid_numbers, position=st.integers(0, 17), data=st.data())
def test_any_single_character_substitution_is_rejected(
    number: str, position: int, data: st.DataObject
) -> None:
    alphabet = "0123456789X" if position == 17 else "0123456789"
    replacement = data.draw(st.sampled_from(alphabet).filter(lambda c: c != number[position]))
    damaged = number[:position] + replacement + number[position + 1 :]
    with pytest.raises(IdNumberError) as info:
        parse(damaged, today=TODAY)
    if position < 2:
        allowed = {"id.bad_area", "id.bad_check"}
    elif 6 <= position < 14:
        allowed = {"id.bad_date", "id.bad_check"}
    else:
        # Area digits 3-6, sequence digits and the check character itself only feed the check.
        allowed = {"id.bad_check"}
    assert info.value.code in allowed
    assert not is_valid(damaged)


@given(number=valid_numbers, position=st.integers(0, 15))
def test_adjacent_transpositions_are_rejected(number: str, position: int) -> None:
    a, b = number[position], number[position + 1]
    assume(a != b)
    swapped = number[:position] + b + a + number[position + 2 :]
    with pytest.raises(IdNumberError):
        parse(swapped, today=TODAY)


@given(number=valid_numbers, position=st.integers(0, 16))
def test_a_letter_among_the_first_17_is_bad_chars(number: str, position: int) -> None:
    damaged = number[:position] + "X" + number[position + 1 :]
    assert error_code(damaged, today=TODAY) == "id.bad_chars"


# Any text except non-ASCII digits (those are covered by the targeted tests at the end of the file).
_no_foreign_digits = st.characters(exclude_categories=("Nd", "No")) | st.sampled_from("0123456789")


@given(text=st.text(alphabet=_no_foreign_digits, max_size=25) | valid_numbers.map(lambda n: n[:-1] + "!"))
def test_parse_only_ever_raises_id_number_error(text: str) -> None:
    try:
        parsed = parse(text, today=TODAY)
    except IdNumberError as error:
        assert error.code.startswith("id.")
        assert error.message
    else:
        assert ASCII_ID.match(parsed.number)


# ---------------------------------------------------------------- normalisation


def test_normalise_folds_full_width_and_drops_separators() -> None:
    assert normalise("３２０８１３ １９９０-０１０１ １２３ｘ") == "32081319900101123X"
    assert normalise("3208\u300013\uff0d1990\u20140101\u2013123_x") == "32081319900101123X"
    assert normalise("") == ""
    assert normalise(None) == ""  # type: ignore[arg-type]


def test_normalise_document_upper_cases_and_drops_separators() -> None:
    assert normalise_document(" e1234 5678 ") == "E12345678"
    assert normalise_document("ｅ１２３４-５６７８") == "E12345678"


# ---------------------------------------------------------------- 15-digit legacy numbers


def test_upgrade_15_inserts_19_and_appends_check_character() -> None:
    assert upgrade_15("320829850615002") == "320829198506150020"
    parsed = parse("320829850615002", today=TODAY)
    assert parsed.number == "320829198506150020"
    assert parsed.upgraded_from_15 is True
    assert parsed.birth_date == dt.date(1985, 6, 15)
    assert parsed.sex == "F"


@given(
    area=area_codes,
    birth=st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(1999, 12, 31)),
    sequence=sequences,
)
def test_legacy_15_digit_numbers_upgrade_to_the_18_digit_number(
    area: str, birth: dt.date, sequence: int
) -> None:
    legacy = f"{area}{birth:%y%m%d}{sequence:03d}"
    assert len(legacy) == 15
    parsed = parse(legacy, today=TODAY)
    expected = make(area, birth, sequence)
    assert parsed.number == expected
    assert parsed.number[6:8] == "19"
    assert parsed.number[17] == check_character(parsed.number[:17])
    assert parsed.birth_date == birth
    assert parsed.sex == ("M" if sequence % 2 else "F")
    assert parsed.upgraded_from_15 is True


def test_legacy_15_digit_number_with_a_letter_is_bad_chars() -> None:
    assert error_code("32082985061500X", today=TODAY) == "id.bad_chars"


def test_legacy_15_digit_number_with_impossible_date_is_bad_date() -> None:
    assert error_code("320829850230002", today=TODAY) == "id.bad_date"


# ---------------------------------------------------------------- spreadsheet damage


@pytest.mark.parametrize(
    "raw",
    [
        "3.20813199001011E+17",
        "3.20813199001011e+17",
        "3.20813199001011E17",
        " 3.20813199001011E+17 ",
        "320813199001011000.0",
        "320813199001011000.00",
        "３.２０８１３１９９００１０１１Ｅ＋１７",
    ],
)
def test_excel_float_damage_is_reported_as_such(raw: str) -> None:
    assert looks_like_excel_float(raw)
    assert error_code(raw, today=TODAY) == "id.spreadsheet_float"
    assert not is_valid(raw)


@given(number=valid_numbers)
def test_valid_numbers_never_look_like_excel_floats(number: str) -> None:
    assert not looks_like_excel_float(number)


# ---------------------------------------------------------------- stable error codes


@pytest.mark.parametrize("raw", ["", "   ", " - ", "\u3000"])
def test_empty_input(raw: str) -> None:
    assert error_code(raw, today=TODAY) == "id.empty"


@pytest.mark.parametrize(
    "raw",
    ["1", "32081319900101", "3208131990010112", "32081319900101123", "32081319900101123X1", "3" * 30],
)
def test_wrong_length(raw: str) -> None:
    assert error_code(raw, today=TODAY) == "id.bad_length"


@pytest.mark.parametrize(
    "raw", ["3208131990010112AX", "32081319900101123Y", "32081319900I01123X", "320813-1990-0101-12?X"]
)
def test_bad_characters(raw: str) -> None:
    assert error_code(raw, today=TODAY) == "id.bad_chars"


@pytest.mark.parametrize(
    "province",
    ["00", "10", "19", "20", "24", "30", "39", "47", "55", "60", "66", "70", "80", "84", "90", "99"],
)
def test_bad_province_prefix(province: str) -> None:
    assert province not in idnumbers.PROVINCE_CODES
    number = make(province + "0813", dt.date(1990, 1, 1), 123)
    assert error_code(number, today=TODAY) == "id.bad_area"


@pytest.mark.parametrize(
    "birth",
    ["19900230", "19900229", "19901301", "19900001", "19900100", "19900132", "00000000", "18791231"],
)
def test_impossible_or_implausible_birth_dates(birth: str) -> None:
    # The check character is right, so only the date can be the problem.
    assert error_code(with_check(f"320813{birth}123"), today=TODAY) == "id.bad_date"


def test_leap_day_is_a_real_date() -> None:
    assert parse(with_check("32081320000229123"), today=TODAY).birth_date == dt.date(2000, 2, 29)


def test_earliest_birth_is_accepted() -> None:
    assert parse(make("320813", idnumbers.EARLIEST_BIRTH, 1), today=TODAY).birth_date == dt.date(1880, 1, 1)


def test_future_birth_date_is_bad_date() -> None:
    today = dt.date(2020, 5, 17)
    assert parse(make("320813", today, 7), today=today).birth_date == today
    assert error_code(make("320813", today + dt.timedelta(days=1), 7), today=today) == "id.bad_date"


def test_future_birth_date_against_the_real_today() -> None:
    assert error_code(with_check("32081329990101123")) == "id.bad_date"
    assert not is_valid(with_check("32081329990101123"))


def test_wrong_check_character() -> None:
    assert error_code("320813199001011230", today=TODAY) == "id.bad_check"
    assert error_code("110105194912310021", today=TODAY) == "id.bad_check"


def test_errors_carry_a_plain_message() -> None:
    with pytest.raises(IdNumberError) as info:
        parse("32081319900101", today=TODAY)
    assert info.value.message == str(info.value)
    assert "14" in info.value.message
    assert isinstance(info.value, ValueError)


# ---------------------------------------------------------------- non-ASCII digits (bugs, see report)


def _foreign_digits(text: str, zero: int) -> str:
    return "".join(chr(zero + int(c)) if c.isdigit() else c for c in text)


# Decimal digit sets that NFKC does not fold to ASCII (Arabic-Indic, Devanagari, Thai, Myanmar...).
FOREIGN_ZEROS = [
    zero
    for zero in (0x0660, 0x06F0, 0x0966, 0x09E6, 0x0E50, 0x1040, 0x17E0, 0x1810, 0xA8D0, 0x1D7CE)
    if unicodedata.normalize("NFKC", chr(zero)) != "0"
]


@pytest.mark.parametrize("zero", [0x0660, 0x0966], ids=["arabic-indic", "devanagari"])
def test_non_ascii_decimal_digits_are_not_accepted_as_a_different_number(zero: int) -> None:
    # "32" + Arabic-Indic/Devanagari digits: str.isdigit() and int() accept them, so parse() returns a
    # number that is not ASCII (a different blind index for the same person) instead of folding or
    # rejecting it.
    number = "32081319900101123X"
    raw = number[:2] + _foreign_digits(number[2:], zero)
    try:
        parsed = parse(raw, today=TODAY)
    except IdNumberError:
        return
    assert parsed.number == number


@given(
    number=valid_numbers,
    zero=st.sampled_from(FOREIGN_ZEROS),
    mask=st.lists(st.booleans(), min_size=18, max_size=18),
)
def test_parse_result_is_always_ascii(number: str, zero: int, mask: list[bool]) -> None:
    raw = "".join(
        _foreign_digits(char, zero) if flag and index >= 2 else char
        for index, (char, flag) in enumerate(zip(number, mask, strict=True))
    )
    try:
        parsed = parse(raw, today=TODAY)
    except IdNumberError:
        return
    assert ASCII_ID.match(parsed.number), parsed.number


def test_digit_like_character_in_the_sequence_is_an_id_number_error_not_a_crash() -> None:
    # U+19DA NEW TAI LUE THAM DIGIT ONE: isdigit() is True, int() rejects it, NFKC keeps it.
    raw = "32081319900101" + "\u19da" + "23X"
    with pytest.raises(IdNumberError):
        parse(raw, today=TODAY)
    assert is_valid(raw) is False


def test_near_misses_recover_every_single_slip() -> None:
    import random

    rng = random.Random(11)
    for _ in range(200):
        number = idnumbers.make(
            "320813", dt.date(1940, 1, 1) + dt.timedelta(days=rng.randrange(28000)), rng.randrange(1000)
        )
        position = rng.randrange(17)
        if rng.random() < 0.5 and number[position] != number[position + 1]:
            slip = number[:position] + number[position + 1] + number[position] + number[position + 2 :]
        else:
            other = rng.choice([d for d in "0123456789" if d != number[position]])
            slip = number[:position] + other + number[position + 1 :]
        guesses = idnumbers.near_misses(slip)
        assert number in guesses
        assert all(idnumbers.is_valid(guess) for guess in guesses)
        assert len(guesses) < 40


def test_a_valid_number_has_no_near_misses() -> None:
    number = idnumbers.make("320829", dt.date(1970, 1, 15), 11)
    assert idnumbers.near_misses(number) == []
    assert idnumbers.near_misses("12345") == []
