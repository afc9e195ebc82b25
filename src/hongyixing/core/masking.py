"""Server-side masks: ID ``3208************34``, phone ``138****5678``.

The ID mask keeps the first four and the last two characters (ADR 0005): with the last four visible,
the check character and the birth year shown beside it left a few dozen candidates; with the last two,
the sequence digits 15–16 and the day of birth stay hidden, which leaves thousands.
"""

from __future__ import annotations


def mask_id_number(value: str) -> str:
    if not value:
        return ""
    if len(value) <= 8:
        return value[:1] + "*" * (len(value) - 1)
    if len(value) < 15:
        # Passports and permits are short: 4 + 4 visible would give most of the number away.
        return value[:2] + "*" * (len(value) - 4) + value[-2:]
    return value[:4] + "*" * (len(value) - 6) + value[-2:]


def remask_id_mask(stored: str) -> str:
    """Today's mask from a mask stored under the old rule (first four and last four visible)."""
    if len(stored) < 15 or stored[-3] == "*":
        return stored
    return stored[:4] + "*" * (len(stored) - 6) + stored[-2:]


def mask_phone(value: str) -> str:
    if not value:
        return ""
    if len(value) >= 11:
        return value[:3] + "*" * (len(value) - 7) + value[-4:]
    if len(value) > 4:
        return "*" * (len(value) - 4) + value[-4:]
    return "*" * len(value)


def mask_name(value: str) -> str:
    """张三 → 张*, 张三丰 → 张*丰, 欧阳娜娜 → 欧**娜."""
    if len(value) <= 1:
        return value
    if len(value) == 2:
        return value[0] + "*"
    return value[0] + "*" * (len(value) - 2) + value[-1]
