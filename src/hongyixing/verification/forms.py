from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from hongyixing.verification.choices import Category, CodeColour, ContactMethod, Disposition, TestStatus
from hongyixing.verification.feedback_input import (
    TEMPERATURE_RANGE,
    TEXT_LIMITS,
    feedback_from,
    feedback_problems,
)
from hongyixing.verification.models import PushSource

MAX_PHOTO_BYTES = 3 * 2**20


class UploadForm(forms.Form):
    source = forms.ModelChoiceField(label=_("Sent by"), queryset=PushSource.objects.order_by("id"))
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    file = forms.FileField(label=_("List file (xlsx, xls or csv)"))


def _text(label: Any, limit: int, **kwargs: Any) -> forms.CharField:
    """A text whose length the shared validator checks (the widget's maxlength only helps typing)."""
    widget = kwargs.pop("widget", forms.TextInput())
    widget.attrs.setdefault("maxlength", str(limit))
    return forms.CharField(label=label, required=False, widget=widget, **kwargs)


def _choice(label: Any, choices: Any, **kwargs: Any) -> forms.CharField:
    """A select whose value the shared validator checks, so a refused code reads the same everywhere."""
    return forms.CharField(label=label, required=False, widget=forms.Select(choices=choices), **kwargs)


class FeedbackForm(forms.Form):
    """Field types only: what is refused, and with which message, is decided by the one validator in
    ``feedback_input`` that the API uses as well."""

    client_id = forms.CharField(widget=forms.HiddenInput, required=False)
    contact_method = _choice(_("How you reached them"), ContactMethod.choices)
    disposition = _choice(_("Result"), [("", "—"), *Disposition.choices])
    current_location = _text(_("Where they are now"), TEXT_LIMITS["current_location"])
    arrival_date = forms.CharField(
        label=_("Arrival date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    route = _text(_("Route / travel in the last 14 days"), TEXT_LIMITS["route"])
    temperature = forms.CharField(
        label=_("Temperature (°C)"),
        required=False,
        widget=forms.NumberInput(
            attrs={
                "step": "0.1",
                "inputmode": "decimal",
                "min": TEMPERATURE_RANGE[0],
                "max": TEMPERATURE_RANGE[1],
            }
        ),
    )
    symptoms = _text(_("Symptoms"), TEXT_LIMITS["symptoms"])
    code_colour = _choice(_("Health-code colour"), CodeColour.choices, initial="unknown")
    test_status = _choice(_("Test status"), TestStatus.choices, initial="none")
    notes = _text(_("Notes"), TEXT_LIMITS["notes"], widget=forms.Textarea(attrs={"rows": 3}))
    photo = forms.FileField(
        label=_("Photo evidence"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png", "capture": "environment"}),
    )
    latitude = forms.CharField(required=False, widget=forms.HiddenInput)
    longitude = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        data = feedback_from(cleaned)
        for field_name, message in feedback_problems(data):
            if field_name in self.fields and field_name not in self.errors:
                self.add_error(field_name, message)
        if not self.errors:
            cleaned.update(vars(data))
        return cleaned

    def clean_photo(self):
        photo = self.cleaned_data.get("photo")
        if not photo:
            return None
        if photo.size > MAX_PHOTO_BYTES:
            raise forms.ValidationError(_("The photo is larger than 3 MB."))
        head = photo.read(8)
        photo.seek(0)
        if not (head.startswith(b"\xff\xd8\xff") or head.startswith(b"\x89PNG\r\n\x1a\n")):
            raise forms.ValidationError(_("Only JPEG or PNG photos."))
        return photo


class TransitionForm(forms.Form):
    action = forms.ChoiceField(
        choices=[
            (a, a)
            for a in (
                "accept",
                "start",
                "confirm",
                "review",
                "close",
                "return",
                "forward",
                "forward_out",
                "reassign",
                "assign",
            )
        ]
    )
    note = forms.CharField(max_length=300, required=False)
    grid = forms.IntegerField(required=False)
    forwarded_to = forms.CharField(max_length=200, required=False)
    version = forms.IntegerField()
    # Where to go back to (the desk's one-tap assignment); only the app's own pages are accepted.
    next = forms.CharField(max_length=200, required=False)


class RouteForm(forms.Form):
    """A grid by id (the one-click suggestions) or as picked from the searchable list ("code label")."""

    grid = forms.IntegerField(required=False)
    grid_pick = forms.CharField(max_length=200, required=False)
