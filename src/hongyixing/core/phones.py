"""Phone numbers: mainland mobiles (optionally +86/0086) and landlines with an area code."""

from __future__ import annotations

import re
import unicodedata

from django.utils.translation import gettext as _

DEFAULT_AREA_CODE = "0517"  # Huai'an

_STRIP = re.compile(r"[\s\-()（）—–.]")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}\d{7,8}$")
_LOCAL = re.compile(r"^[2-9]\d{6,7}$")


class PhoneError(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def normalise(raw: str, default_area_code: str = DEFAULT_AREA_CODE) -> str:
    """Return digits only (``13812345678`` or ``051783212345``), or raise :class:`PhoneError`."""
    value = _STRIP.sub("", unicodedata.normalize("NFKC", raw or ""))
    if not value:
        raise PhoneError("phone.empty", _("The phone number is empty"))
    if value.startswith("+86"):
        value = value[3:]
    elif value.startswith("0086"):
        value = value[4:]
    elif value.startswith("86") and len(value) == 13:
        value = value[2:]
    if not (value.isascii() and value.isdigit()):
        raise PhoneError("phone.bad_chars", _("A phone number may contain digits only"))
    if _MOBILE.match(value) or _LANDLINE.match(value):
        return value
    if _LOCAL.match(value):
        return default_area_code + value
    if value.startswith("1"):
        raise PhoneError(
            "phone.bad_mobile", _("A mobile number has 11 digits, this one has %(n)d") % {"n": len(value)}
        )
    raise PhoneError("phone.bad_format", _("This is not a recognisable phone number"))


def is_mobile(normalised: str) -> bool:
    return bool(_MOBILE.match(normalised))
