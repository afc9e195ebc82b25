"""The forms of the register's changes (户籍变动): they parse; people/lifecycle.py validates."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from hongyixing.core.forms import ServiceForm
from hongyixing.people.choices import Relation


class _DateInput(forms.DateInput):
    input_type = "date"


class _Change(ServiceForm):
    on = forms.DateField(label=_("Effective date"), widget=_DateInput)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1, max_value=2**31 - 1)


class DeathForm(_Change):
    pass


class MoveAwayForm(_Change):
    destination = forms.CharField(
        label=_("Moved to (outside the district)"), max_length=200, help_text=_("e.g. 南京市鼓楼区")
    )
    field_order = ["destination", "on", "note"]


class JoinForm(_Change):
    """Joining a household, named by its household number (户号) in the user's area."""

    household_number = forms.CharField(label=_("Household number"), max_length=30)
    relation = forms.ChoiceField(
        label=_("Relation to head"), choices=[("", "—"), *Relation.choices], required=False
    )
    field_order = ["household_number", "relation", "on", "note"]


class HouseholdMoveForm(_Change):
    """Where to: a building/group or grid of the village from the list, or any place in the user's
    area by its code."""

    target = forms.CharField(label=_("Building, group or grid"), required=False)
    code = forms.CharField(label=_("Or a unit code"), max_length=24, required=False)
