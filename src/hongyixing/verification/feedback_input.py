"""The one validator of a grid worker's feedback, used by the form and the API alike.

Whatever passes here can be stored and shown: every text fits its column, every code is one of the
choices, the temperature is a finite reading a thermometer gives, dates are plausible. The form shows
these messages next to its fields; the API returns the first with its field.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, fields
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from hongyixing.verification.choices import CodeColour, ContactMethod, Disposition, TestStatus

TEMPERATURE_RANGE = (Decimal("34.0"), Decimal("43.0"))
EARLIEST_ARRIVAL = dt.date(2019, 12, 1)
TEXT_LIMITS = {"current_location": 200, "route": 300, "symptoms": 200, "notes": 500, "client_id": 64}
CHOICES = {
    "contact_method": ContactMethod,
    "disposition": Disposition,
    "code_colour": CodeColour,
    "test_status": TestStatus,
}


@dataclass
class FeedbackInput:
    client_id: str
    contact_method: str
    disposition: str
    current_location: str = ""
    arrival_date: dt.date | None = None
    route: str = ""
    symptoms: str = ""
    temperature: Any = None
    code_colour: str = "unknown"
    test_status: str = "none"
    notes: str = ""
    photo: Any = None
    latitude: Any = None
    longitude: Any = None


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation as error:
        raise ValueError from error
    if not number.is_finite():
        raise ValueError
    return number


def _date(value: Any) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError as error:
        raise ValueError from error


def feedback_problems(data: FeedbackInput) -> list[tuple[str, str]]:
    """Every (field, message) wrong with the input; an empty list means it can be stored. Normalises
    the input in place (trimmed texts, a Decimal temperature, a date)."""
    problems: list[tuple[str, str]] = []
    for name, limit in TEXT_LIMITS.items():
        value = getattr(data, name)
        if not isinstance(value, str):
            value = "" if value is None else str(value)
        value = value.strip()
        setattr(data, name, value)
        if len(value) > limit:
            problems.append((name, _("At most %(limit)d characters.") % {"limit": limit}))
    if not data.client_id:
        problems.append(("client_id", _("The submission id is missing; reload the page.")))
    for name, choices in CHOICES.items():
        if getattr(data, name) not in choices.values:
            message = _("Choose a disposition.") if name == "disposition" else _("Choose one of the options.")
            problems.append((name, message))
    try:
        temperature = _decimal(data.temperature)
    except ValueError:
        problems.append(("temperature", _("Write the temperature as a number, such as 36.5.")))
    else:
        low, high = TEMPERATURE_RANGE
        if temperature is not None and not low <= temperature <= high:
            problems.append(
                (
                    "temperature",
                    _("A temperature between %(low)s and %(high)s °C.") % {"low": low, "high": high},
                )
            )
        elif temperature is not None:
            data.temperature = temperature.quantize(Decimal("0.1"))
    try:
        arrival = _date(data.arrival_date)
    except ValueError:
        problems.append(("arrival_date", _("Write the date as year-month-day.")))
    else:
        latest = timezone.localdate() + dt.timedelta(days=1)
        if arrival is not None and not EARLIEST_ARRIVAL <= arrival <= latest:
            problems.append(
                ("arrival_date", _("The arrival date cannot be in the future or before 2019-12."))
            )
        data.arrival_date = arrival
    for name, bound in (("latitude", 90), ("longitude", 180)):
        try:
            coordinate = _decimal(getattr(data, name))
        except ValueError:
            coordinate = None
        # A position the phone could not give is dropped, not refused: it is a help, not a fact asked for.
        setattr(
            data,
            name,
            coordinate.quantize(Decimal("0.000001"))
            if coordinate is not None and abs(coordinate) <= bound
            else None,
        )
    return problems


def feedback_from(values: dict[str, Any]) -> FeedbackInput:
    known = {f.name for f in fields(FeedbackInput)}
    given = {k: v for k, v in values.items() if k in known}
    return FeedbackInput(
        **{
            "client_id": given.pop("client_id", ""),
            "contact_method": given.pop("contact_method", ""),
            "disposition": given.pop("disposition", ""),
            **given,
        }
    )
