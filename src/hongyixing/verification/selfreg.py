"""The public self-registration form (返乡/来洪人员登记): no login, rate-limited, phone-sized, Chinese."""

from __future__ import annotations

import datetime as dt
import uuid

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache

from hongyixing.areas.models import AdminUnit
from hongyixing.areas.paper import POSTER_LEVELS
from hongyixing.core import phones
from hongyixing.core.clientaddr import client_address
from hongyixing.core.ratelimit import allow
from hongyixing.people import idnumbers
from hongyixing.verification.choices import CodeColour
from hongyixing.verification.services import do_self_register

LIMIT_PER_HOUR = 20


class SelfRegistrationForm(forms.Form):
    submission_id = forms.CharField(widget=forms.HiddenInput, max_length=64)
    name = forms.CharField(label=_("Name"), max_length=60)
    sex = forms.ChoiceField(label=_("Sex"), choices=[("M", _("Male")), ("F", _("Female"))])
    id_number = forms.CharField(label=_("ID number"), max_length=24)
    phone = forms.CharField(label=_("Mobile phone"), max_length=20)
    domicile = forms.CharField(label=_("Registered domicile"), max_length=200, required=False)
    address = forms.CharField(
        label=_("Where you stay in Hongze (town, village/community, group or building, room)"), max_length=200
    )
    work_unit = forms.CharField(label=_("Work unit"), max_length=100, required=False)
    origin = forms.CharField(label=_("Coming from (province, city, county)"), max_length=100)
    transit = forms.CharField(label=_("Places passed through"), max_length=200, required=False)
    arrival_time = forms.DateTimeField(
        label=_("Arrival date and time"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    transport = forms.ChoiceField(
        label=_("Transport"),
        choices=[
            ("rail", _("Train")),
            ("air", _("Plane")),
            ("coach", _("Coach")),
            ("car", _("Car")),
            ("ship", _("Ship")),
            ("other", _("Other")),
        ],
    )
    transport_number = forms.CharField(
        label=_("Train, flight or plate number"), max_length=40, required=False
    )
    companions = forms.CharField(label=_("Travelling with"), max_length=200, required=False)
    travel_14d = forms.CharField(
        label=_("Where you were in the last 14 days"), max_length=300, required=False
    )
    contact_history = forms.CharField(
        label=_("Contact with cases or people from risk areas"), max_length=300, required=False
    )
    temperature = forms.DecimalField(
        label=_("Temperature (°C)"),
        max_digits=3,
        decimal_places=1,
        min_value=34,
        max_value=43,
        required=False,
        widget=forms.NumberInput(attrs={"step": "0.1", "inputmode": "decimal"}),
    )
    symptoms = forms.CharField(label=_("Symptoms (fever, cough …)"), max_length=200, required=False)
    code_colour = forms.ChoiceField(
        label=_("Health-code colour"), choices=CodeColour.choices, initial="green"
    )
    test = forms.CharField(label=_("Latest test (date, result)"), max_length=100, required=False)
    planned_stay = forms.CharField(label=_("Planned stay"), max_length=60, required=False)

    def clean_id_number(self) -> str:
        try:
            return idnumbers.parse(self.cleaned_data["id_number"]).number
        except idnumbers.IdNumberError as error:
            raise forms.ValidationError(error.message) from error

    def clean_phone(self) -> str:
        try:
            return phones.normalise(self.cleaned_data["phone"])
        except phones.PhoneError as error:
            raise forms.ValidationError(error.message) from error


def poster_place(path: str) -> str:
    """The town and village a poster's QR names (``?place=<path>``), to start the address with.

    The form is public, so there is no user to scope by: only the name printed on the poster is read."""
    if not path or len(path) > 24:
        return ""
    unit = AdminUnit.objects.filter(path=path, level__in=POSTER_LEVELS).select_related("parent").first()
    if unit is None:
        return ""
    if unit.level == "village" and unit.parent is not None:
        return f"{unit.parent.name}{unit.name}"
    return unit.name


def _client_key(request: HttpRequest) -> str:
    return f"selfreg:{client_address(request) or ''}"


@never_cache
def self_registration(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        if not allow(_client_key(request), LIMIT_PER_HOUR, dt.timedelta(hours=1)):
            return render(request, "verification/selfreg.html", {"limited": True}, status=429)
        form = SelfRegistrationForm(request.POST)
        if form.is_valid():
            values = {
                k: str(v) if v is not None else ""
                for k, v in form.cleaned_data.items()
                if k != "submission_id"
            }
            do_self_register(values, form.cleaned_data["submission_id"])
            return render(request, "verification/selfreg.html", {"done": True})
    else:
        initial = {"submission_id": uuid.uuid4().hex}
        place = poster_place(request.GET.get("place", ""))
        if place:
            initial["address"] = place
        form = SelfRegistrationForm(initial=initial)
    return render(request, "verification/selfreg.html", {"form": form})
