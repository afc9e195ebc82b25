from django import forms
from django.utils.translation import gettext_lazy as _

from hongyixing.people.services import REVEALABLE


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Name, full ID number or phone"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "autofocus": True, "autocomplete": "off"}),
    )


class RevealForm(forms.Form):
    field = forms.ChoiceField(choices=[(f, f) for f in REVEALABLE], widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Why do you need the full value?"), max_length=200, min_length=2)
