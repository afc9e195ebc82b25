"""Forms of the control pages. A form only parses a POST into typed values; every rule (what is
required, ranges, known choices, who may be picked) lives in the services, which the API shares.
An unreadable number or date parses to the value the service then refuses in plain words."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone


class Text(forms.CharField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(required=False, **kwargs)


class Number(forms.Field):
    """An integer, or ``default`` when empty or unreadable."""

    def __init__(self, default: int = 0, **kwargs: Any) -> None:
        self.default = default
        super().__init__(required=False, **kwargs)

    def to_python(self, value: Any) -> int:
        try:
            return int(str(value).strip()) if value not in (None, "") else self.default
        except ValueError:
            return self.default


class Day(forms.Field):
    """An ISO date, or None when empty or unreadable."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(required=False, **kwargs)

    def to_python(self, value: Any) -> dt.date | None:
        try:
            return dt.date.fromisoformat(str(value)) if value else None
        except ValueError:
            return None


class Moment(forms.Field):
    """A local date and time (an HTML datetime-local value), or None when empty or unreadable."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(required=False, **kwargs)

    def to_python(self, value: Any) -> dt.datetime | None:
        try:
            return timezone.make_aware(dt.datetime.fromisoformat(str(value))) if value else None
        except ValueError:
            return None


class Values(forms.Field):
    """Every value a multi-valued field was posted with (checkboxes, repeated hidden inputs)."""

    widget = forms.MultipleHiddenInput

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(required=False, **kwargs)

    def to_python(self, value: Any) -> list[str]:
        return [str(v) for v in value or []]


class CommaList(forms.Field):
    """Room numbers typed as one list, split on either comma (, or ，)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(required=False, **kwargs)

    def to_python(self, value: Any) -> list[str]:
        return str(value or "").replace("，", ",").split(",")


class UserChoice(forms.ModelChoiceField):
    """A user picked from the scoped staff list the page offers (``accounts.queries.staff_for_unit``
    through the service's candidates); the service checks the pick again for the exact role."""

    def __init__(self, queryset: Any = None, **kwargs: Any) -> None:
        from hongyixing.accounts.models import User

        super().__init__(queryset=queryset if queryset is not None else User.objects.none(), required=False)

    def label_from_instance(self, obj: Any) -> str:
        return f"{obj} ({obj.username})"


# --- Measures ------------------------------------------------------------------------------------


class MeasureOpenForm(forms.Form):
    type = Text()
    category = Text()
    source = Text()
    reason = Text()
    arrival = Day()
    last_exposure = Day()


class SuitabilityForm(forms.Form):
    items = Values()


class NoticeForm(forms.Form):
    signed_by = Text(strip=False)


class ExtendForm(forms.Form):
    days = Number()
    reason = Text(strip=False)
    version = Number()


class EndEarlyForm(forms.Form):
    reason = Text(strip=False)
    version = Number()


class ConvertForm(forms.Form):
    type = Text()
    reason = Text(strip=False)


class TransferOutForm(forms.Form):
    destination = Text(strip=False)
    reason = Text(strip=False)


class TeamForm(forms.Form):
    role = Text()
    user = UserChoice()
    name = Text(strip=False)
    duty = Text()

    def __init__(self, *args: Any, candidates: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if candidates is not None:
            self.fields["user"].queryset = candidates  # type: ignore[attr-defined]


class CheckForm(forms.Form):
    client_id = Text()
    temperature = Text()
    symptoms = Values()
    slot = Text()


class HouseholdChecksForm(forms.Form):
    """A household's checks: for every posted ``measure`` id, its ``t<id>`` temperature and
    ``s<id>`` symptoms."""

    batch_id = Text()
    slot = Text()
    measure = Values()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for measure_id in self.data.getlist("measure") if hasattr(self.data, "getlist") else []:
            self.fields[f"t{measure_id}"] = Text()
            self.fields[f"s{measure_id}"] = Values()

    def rows(self) -> list[tuple[str, str, list[str]]]:
        data = self.cleaned_data
        return [(m, data.get(f"t{m}", ""), data.get(f"s{m}", [])) for m in data["measure"]]


# --- Alerts and tests ----------------------------------------------------------------------------


class AlertForm(forms.Form):
    state = Text()
    note = Text(strip=False)


class ResultSheetForm(forms.Form):
    file = forms.FileField(required=False)


class SampleForm(forms.Form):
    action = Text()
    result = Text()
    lab = Text(strip=False)
    barcode = Text(strip=False)
    sampler = Text(strip=False)
    site = Text(strip=False)
    pool = Number(default=1)


# --- Sites ---------------------------------------------------------------------------------------


class SiteForm(forms.Form):
    name = Text()
    kind = Text()
    address = Text()
    capacity = Number()
    manager_name = Text()
    medical_staff = Text()
    unit_path = Text()
    manager = UserChoice()
    rooms = CommaList()

    def __init__(self, *args: Any, candidates: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if candidates is not None:
            self.fields["manager"].queryset = candidates  # type: ignore[attr-defined]


class SiteActionForm(forms.Form):
    """The room board's actions; the checks round adds ``t<measure id>`` for each guest."""

    action = Text()
    rooms = CommaList()
    room = Number()
    status = Text()
    measure = Number()
    stay = Number()
    note = Text(strip=False)
    batch_id = Text()

    def __init__(self, *args: Any, guests: list[int] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for measure_id in guests or []:
            self.fields[f"t{measure_id}"] = Text()


# --- Transfers and inbound -----------------------------------------------------------------------


class TransferCreateForm(forms.Form):
    measure = Values()
    site = Number()
    scheduled_at = Moment()
    reason = Text()
    from_place = Text()
    to_place = Text()
    plate = Text(strip=False)
    driver = Text(strip=False)
    escort = Text(strip=False)

    def measure_ids(self) -> list[int]:
        return [Number().to_python(v) for v in self.cleaned_data["measure"]]


class TransferActionForm(forms.Form):
    """A transfer's steps; the pick-up adds ``t<person id>`` for each person carried."""

    action = Text()
    signed_by = Text(strip=False)
    plate = Text(strip=False)
    driver = Text(strip=False)
    escort = Text(strip=False)
    handed_by = Text(strip=False)
    received_by = Text(strip=False)
    disinfected_by = Text(strip=False)
    reason = Text(strip=False)

    def __init__(self, *args: Any, carried: list[int] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for person_id in carried or []:
            self.fields[f"t{person_id}"] = Text(strip=False)


class InboundForm(forms.Form):
    entry_port = Text(strip=False)
    entry_date = Day()
    liaison = UserChoice()
    local_measure = Text()
    nationality = Text(strip=False)
    flight = Text(strip=False)
    countries = Text(strip=False)
    first_entry_place = Text(strip=False)
    first_entry_until = Day()

    def __init__(self, *args: Any, candidates: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if candidates is not None:
            self.fields["liaison"].queryset = candidates  # type: ignore[attr-defined]


class SelfReportForm(forms.Form):
    client_id = Text()
    temperature = Text()
    symptoms = Values()
