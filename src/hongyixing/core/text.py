"""The one check of a short text a person types into a form or an API field."""

from __future__ import annotations

import unicodedata
from typing import Any

from django.utils.translation import gettext_lazy as _

from hongyixing.core.errors import DomainError


def plain_text(value: Any, *, field: str, limit: int, required: bool = False) -> str:
    """Trimmed single-line text: refused when empty (if required), too long or carrying control
    characters (they hide text on a page and break exports)."""
    text = " ".join(str(value or "").split())
    if required and not text:
        raise DomainError("text.required", _("This field is required."), field)
    if len(text) > limit:
        raise DomainError("text.too_long", _("At most %(n)s characters.") % {"n": limit}, field)
    if any(unicodedata.category(char).startswith("C") for char in text):
        raise DomainError(
            "text.bad_characters", _("The text contains characters that cannot be shown."), field
        )
    return text
