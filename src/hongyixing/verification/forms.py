from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from hongyixing.verification.choices import Category, CodeColour, ContactMethod, Disposition, TestStatus
from hongyixing.verification.models import PushSource

MAX_PHOTO_BYTES = 3 * 2**20


class UploadForm(forms.Form):
    source = forms.ModelChoiceField(label=_("Sent by"), queryset=PushSource.objects.order_by("id"))
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    file = forms.FileField(label=_("List file (xlsx, xls or csv)"))


class FeedbackForm(forms.Form):
    client_id = forms.CharField(widget=forms.HiddenInput, max_length=64)
    contact_method = forms.ChoiceField(label=_("How you reached them"), choices=ContactMethod.choices)
    disposition = forms.ChoiceField(label=_("Result"), choices=[("", "—"), *Disposition.choices])
    current_location = forms.CharField(label=_("Where they are now"), max_length=200, required=False)
    arrival_date = forms.DateField(
        label=_("Arrival date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    route = forms.CharField(label=_("Route / travel in the last 14 days"), max_length=300, required=False)
    temperature = forms.DecimalField(
        label=_("Temperature (°C)"),
        max_digits=3,
        decimal_places=1,
        required=False,
        min_value=34,
        max_value=43,
        widget=forms.NumberInput(attrs={"step": "0.1", "inputmode": "decimal"}),
    )
    symptoms = forms.CharField(label=_("Symptoms"), max_length=200, required=False)
    code_colour = forms.ChoiceField(
        label=_("Health-code colour"), choices=CodeColour.choices, initial="unknown"
    )
    test_status = forms.ChoiceField(label=_("Test status"), choices=TestStatus.choices, initial="none")
    notes = forms.CharField(
        label=_("Notes"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    photo = forms.FileField(
        label=_("Photo evidence"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png", "capture": "environment"}),
    )
    latitude = forms.DecimalField(max_digits=9, decimal_places=6, required=False, widget=forms.HiddenInput)
    longitude = forms.DecimalField(max_digits=9, decimal_places=6, required=False, widget=forms.HiddenInput)

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
    grid = forms.IntegerField()
