"""Forms parse input; the services validate (the same checks the API runs)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from hongyixing.cases.choices import (
    CaseSource,
    Classification,
    ContactAction,
    ContactCategory,
    ExposureMode,
    Outcome,
    Relation,
    Severity,
)

DATE = forms.DateInput(attrs={"type": "date"})
TIME = forms.TimeInput(attrs={"type": "time"})
NEW_CLASSIFICATIONS = [
    (c.value, c.label)
    for c in (Classification.SUSPECTED, Classification.CONFIRMED, Classification.ASYMPTOMATIC)
]


class CaseForm(forms.Form):
    classification = forms.ChoiceField(label=_("classification"), choices=NEW_CLASSIFICATIONS)
    source = forms.ChoiceField(label=_("source"), choices=CaseSource.choices)
    onset_date = forms.DateField(label=_("onset"), required=False, widget=DATE)
    sampling_date = forms.DateField(label=_("sampling"), required=False, widget=DATE)
    diagnosis_date = forms.DateField(label=_("diagnosed"), required=False, widget=DATE)
    institution = forms.CharField(label=_("diagnosing institution"), max_length=100, required=False)
    severity = forms.ChoiceField(label=_("severity"), choices=Severity.choices, required=False)
    note = forms.CharField(label=_("note"), max_length=300, required=False)


class CaseEditForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    source = forms.ChoiceField(label=_("source"), choices=CaseSource.choices)
    onset_date = forms.DateField(label=_("onset"), required=False, widget=DATE)
    sampling_date = forms.DateField(label=_("sampling"), required=False, widget=DATE)
    report_date = forms.DateField(label=_("reported"), widget=DATE)
    diagnosis_date = forms.DateField(label=_("diagnosed"), required=False, widget=DATE)
    institution = forms.CharField(label=_("diagnosing institution"), max_length=100, required=False)
    severity = forms.ChoiceField(label=_("severity"), choices=Severity.choices, required=False)
    outcome = forms.ChoiceField(label=_("outcome"), choices=Outcome.choices, required=False)
    outcome_date = forms.DateField(label=_("outcome date"), required=False, widget=DATE)


class ClassifyForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    to = forms.ChoiceField(label=_("new classification"), choices=Classification.choices)
    on = forms.DateField(label=_("date"), required=False, widget=DATE)
    note = forms.CharField(label=_("note"), max_length=300, required=False)


class EntryForm(forms.Form):
    date = forms.DateField(label=_("date"), widget=DATE)
    start_time = forms.TimeField(label=_("from"), widget=TIME)
    end_time = forms.TimeField(label=_("to"), widget=TIME)
    place = forms.CharField(label=_("place"), max_length=100)
    address = forms.CharField(label=_("address"), max_length=200, required=False)
    activity = forms.CharField(label=_("activity"), max_length=100, required=False)
    companions = forms.CharField(label=_("companions"), max_length=200, required=False)


class ContactForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=60)
    id_number = forms.CharField(label=_("ID number"), max_length=30, required=False)
    phone = forms.CharField(label=_("phone"), max_length=30, required=False)
    address = forms.CharField(label=_("address"), max_length=200, required=False)
    relation = forms.ChoiceField(label=_("relation"), choices=Relation.choices)
    exposure_mode = forms.ChoiceField(label=_("exposure"), choices=ExposureMode.choices)
    last_exposure = forms.DateField(label=_("last exposure"), widget=DATE)
    entry_id = forms.TypedChoiceField(label=_("place"), coerce=int, required=False, empty_value=None)
    via_id = forms.TypedChoiceField(
        label=_("exposed to the contact"), coerce=int, required=False, empty_value=None
    )

    def __init__(
        self, *args: object, entries: list[tuple[int, str]], contacts: list[tuple[int, str]], **kwargs: object
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["entry_id"].choices = [("", "—"), *entries]  # type: ignore[attr-defined]
        self.fields["via_id"].choices = [("", "—"), *contacts]  # type: ignore[attr-defined]


JUDGED = [
    (c.value, c.label) for c in (ContactCategory.CLOSE, ContactCategory.SECONDARY, ContactCategory.GENERAL)
]


class JudgeForm(forms.Form):
    contacts = forms.TypedMultipleChoiceField(label=_("contacts"), coerce=int)
    category = forms.ChoiceField(label=_("category"), choices=JUDGED)
    action = forms.ChoiceField(label=_("then"), choices=ContactAction.choices)

    def __init__(self, *args: object, contact_ids: list[int], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["contacts"].choices = [(pk, pk) for pk in contact_ids]  # type: ignore[attr-defined]
