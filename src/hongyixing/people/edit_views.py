"""The person page's edit (name, sex, birth date, relation, residency, addresses, a phone to add or
replace; the ID number is read-only, no audited path changes it) and a newcomer registered into a
household from its page. The services validate; the API calls the same ones."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hongyixing.areas.models import Household
from hongyixing.areas.queries import breadcrumbs
from hongyixing.core.errors import DomainError
from hongyixing.core.forms import ServiceForm
from hongyixing.people import services
from hongyixing.people.choices import DocumentType, Relation, Residency, Sex
from hongyixing.people.models import Person


def _select(label: Any, choices: list[tuple[str, Any]]) -> forms.CharField:
    return forms.CharField(label=label, required=False, widget=forms.Select(choices=choices))


def _phone(label: Any) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )


class _PersonFields(ServiceForm):
    """What the edit and the newcomer's form both ask: text inputs and selects, the service checks."""

    name = forms.CharField(label=gettext_lazy("Name"), required=False, max_length=400)
    relation = _select(gettext_lazy("Relation to head"), [("", "—"), *Relation.choices])
    residency = _select(gettext_lazy("Residency"), list(Residency.choices))
    domicile_address = forms.CharField(
        label=gettext_lazy("Registered domicile"), required=False, max_length=800
    )
    current_address = forms.CharField(label=gettext_lazy("Current address"), required=False, max_length=800)


class PersonForm(_PersonFields):
    field_order = [
        "version", "name", "sex", "birth_date", "relation", "residency", "domicile_address",
        "current_address", "phone",
    ]  # fmt: skip
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**31 - 1)
    sex = _select(gettext_lazy("Sex"), list(Sex.choices))
    birth_date = forms.CharField(
        label=gettext_lazy("Birth date"),
        required=False,
        max_length=40,
        # zh: 留空则不变（页面不显示已登记的完整出生日期）
        help_text=gettext_lazy("Leave empty to keep it (the page never shows the full date on file)."),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    phone = _phone(gettext_lazy("Phone to add"))

    def __init__(self, *args: Any, phones: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if phones:
            choices = [("", gettext_lazy("— add it as another phone —"))]
            choices += [(str(p.pk), p.masked) for p in phones]
            self.fields["replace_phone"] = _select(gettext_lazy("In place of"), choices)


@login_required
def person_edit(request: HttpRequest, person_id: int) -> HttpResponse:
    person = get_object_or_404(
        Person.objects.restrict(request.user, "change").select_related("household__unit"), pk=person_id
    )
    phones = list(person.phones.order_by("-is_primary", "id"))
    initial = {
        "version": person.version,
        "name": person.name,
        "sex": person.sex,
        "relation": person.relation,
        "residency": person.residency,
        "domicile_address": person.domicile_address,
        "current_address": person.current_address,
    }
    form = PersonForm(request.POST or None, initial=initial, phones=phones)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.do_edit_person(
                request.user,
                person,
                data["version"],
                phone=data["phone"],
                replace_phone_id=data.get("replace_phone") or None,
                name=data["name"],
                sex=data["sex"],
                birth_date=data["birth_date"],
                relation=data["relation"],
                residency=data["residency"],
                domicile_address=data["domicile_address"],
                current_address=data["current_address"],
            )
        except DomainError as error:
            form.refuse(error)
        else:
            messages.success(request, _("Saved."))
            return redirect("people:person", person_id=person.pk)
    from_id = person.document_type == DocumentType.RESIDENT_ID and bool(person.document_masked)
    # zh: 证件号码不能在这里修改。
    note = _("The document number cannot be changed here.")
    if from_id:
        # zh: 性别和出生日期以身份证号码为准。
        note += " " + _("Sex and birth date come from the ID number.")
    return render(
        request,
        "_edit.html",
        {
            "form": form,
            "heading": _("Edit the person"),
            "subject": person.name,
            "crumbs": breadcrumbs(request.user, person.household.unit, include_self=True)
            if person.household
            else [],
            "back": reverse("people:person", args=[person.pk]),
            "note": note,
        },
    )


class NewcomerForm(_PersonFields):
    field_order = [
        "name", "document_type", "document_number", "phone", "relation", "residency", "domicile_address",
        "current_address",
    ]  # fmt: skip
    document_type = _select(gettext_lazy("Document type"), list(DocumentType.choices))
    document_number = forms.CharField(
        label=gettext_lazy("Document number"),
        required=False,
        max_length=60,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )
    phone = _phone(gettext_lazy("Phone"))


@login_required
def household_add_person(request: HttpRequest, household_id: int) -> HttpResponse:
    """Someone new found at the door (a tenant, a relative come to stay): registered into this household."""
    household = get_object_or_404(
        Household.objects.restrict(request.user, "change").select_related("unit"), pk=household_id
    )
    initial = {
        "document_type": DocumentType.RESIDENT_ID,
        "residency": Residency.FLOATING,
        "current_address": household.address,
    }
    form = NewcomerForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        spec = services.PersonSpec(
            name=data["name"],
            document_type=data["document_type"],
            document_number=data["document_number"],
            phones=[data["phone"]] if data["phone"].strip() else [],
            household=household,
            relation=data["relation"],
            residency=data["residency"],
            domicile_address=data["domicile_address"],
            current_address=data["current_address"],
        )
        try:
            person, created = services.register_person(request.user, spec)
        except DomainError as error:
            form.refuse(error)
        else:
            if created:
                messages.success(request, _("Registered."))
            else:
                # zh: 这个证件号码已经在册：这是在册的那个人，没有新建。
                messages.info(request, _("This document number is already registered: here is that person."))
            return redirect("people:person", person_id=person.pk)
    return render(
        request,
        "_edit.html",
        {
            "form": form,
            "heading": _("Register a newcomer"),
            "subject": household.address,
            "crumbs": breadcrumbs(request.user, household.unit, include_self=True),
            "back": reverse("people:household", args=[household.pk]),
            # zh: 在这一户登记新来的人（租户、来住的亲戚等）。证件号码已在册的，会打开在册的人，不会重复登记。
            "note": _(
                "Register someone new in this household (a tenant, a relative come to stay). A document "
                "number already on file opens the person on file instead of registering them twice."
            ),
        },
    )
