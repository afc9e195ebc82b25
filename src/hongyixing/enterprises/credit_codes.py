"""统一社会信用代码 (GB 32100-2015): 18 characters, the last a check character (python-stdnum)."""

from __future__ import annotations

import unicodedata

from django.utils.translation import gettext_lazy as _
from stdnum.cn import uscc
from stdnum.exceptions import ValidationError

from hongyixing.core.errors import DomainError


def normalise(raw: str) -> str:
    """Full-width letters and digits to ASCII, spaces and dashes dropped, upper case."""
    text = unicodedata.normalize("NFKC", raw or "")
    return "".join(ch for ch in text if ch.isalnum()).upper()


def validate(raw: str) -> str:
    """The normalised code, or a refusal saying what is wrong with it."""
    code = normalise(raw)
    if not code:
        raise DomainError(
            "enterprise.code_missing", _("Enter the unified social credit code."), "credit_code"
        )
    if len(code) != 18:
        raise DomainError(
            "enterprise.code_length",
            _("A unified social credit code has 18 characters."),
            "credit_code",
        )
    try:
        return str(uscc.validate(code))
    except ValidationError:
        raise DomainError(
            "enterprise.code_invalid",
            _("This unified social credit code is not valid (check character or letters)."),
            "credit_code",
        ) from None


def check_character(first17: str) -> str:
    return str(uscc.calc_check_digit(first17))
