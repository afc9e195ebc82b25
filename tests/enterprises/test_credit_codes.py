"""GB 32100 unified social credit codes: every well-formed code with its check character is taken,
every single-character change of a valid code is refused."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hongyixing.core.errors import DomainError
from hongyixing.enterprises import credit_codes

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100: no I, O, S, V, Z
first17 = st.builds(
    lambda head, tail: head + tail,
    st.text("0123456789", min_size=8, max_size=8),
    st.text(ALPHABET, min_size=9, max_size=9),
)


@given(first17)
def test_a_code_with_its_check_character_is_valid(body: str) -> None:
    code = body + credit_codes.check_character(body)
    assert credit_codes.validate(code) == code


@given(first17, st.integers(min_value=0, max_value=17), st.sampled_from(ALPHABET))
def test_one_changed_character_is_refused(body: str, position: int, replacement: str) -> None:
    code = body + credit_codes.check_character(body)
    if code[position] == replacement:
        return
    changed = code[:position] + replacement + code[position + 1 :]
    with pytest.raises(DomainError) as refused:
        credit_codes.validate(changed)
    assert refused.value.code in {"enterprise.code_invalid"}


@given(first17)
def test_full_width_lower_case_and_spaces_are_normalised(body: str) -> None:
    code = body + credit_codes.check_character(body)
    typed = " ".join(chr(ord(c) + 0xFEE0) if c.isalnum() else c for c in code.lower())
    assert credit_codes.validate(typed) == code


@pytest.mark.parametrize("raw", ["", "9132", "91320813000000001X1"])
def test_wrong_length_says_so(raw: str) -> None:
    with pytest.raises(DomainError) as refused:
        credit_codes.validate(raw)
    assert refused.value.code in {"enterprise.code_missing", "enterprise.code_length"}
