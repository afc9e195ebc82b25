"""Cases, their flow investigation (itinerary and contacts found) and the chain they make.

A case is scoped by its person's place (the CDC of an area sees its cases). A contact is scoped by
the *contact's* place, so the grid worker who looks after them sees the contact record, but the
index case is reached only through the case, which their scope and role never open.
The chain is kept denormalised on the case (``infected_by``, ``root``, ``generation``) so a whole
chain is one indexed filter, never a recursive walk.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from hongyixing.areas.models import Grid
from hongyixing.cases.choices import (
    CaseSource,
    Classification,
    ContactCategory,
    ContactState,
    ExposureMode,
    Origin,
    Outcome,
    Relation,
    Severity,
)
from hongyixing.core.scope import ScopedModel, ScopedQuerySet
from hongyixing.people.models import Person

USER = settings.AUTH_USER_MODEL


def _grid_fk() -> Any:
    return models.ForeignKey(
        Grid, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )


class Case(ScopedModel):
    person = models.OneToOneField(
        Person, on_delete=models.PROTECT, related_name="case", verbose_name=_("person")
    )
    classification = models.CharField(
        _("classification"), max_length=16, choices=Classification.choices, default=Classification.SUSPECTED
    )
    origin = models.CharField(_("became a case by"), max_length=16, choices=Origin.choices)
    source = models.CharField(
        _("source"), max_length=16, choices=CaseSource.choices, default=CaseSource.LOCAL
    )
    onset_date = models.DateField(_("onset"), null=True, blank=True)
    sampling_date = models.DateField(_("sampling"), null=True, blank=True)
    report_date = models.DateField(_("reported"))
    diagnosis_date = models.DateField(_("diagnosed"), null=True, blank=True)
    institution = models.CharField(_("diagnosing institution"), max_length=100, blank=True)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices, blank=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices, blank=True)
    outcome_date = models.DateField(_("outcome date"), null=True, blank=True)
    sample = models.ForeignKey(
        "control.Sample", on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    # The chain: who infected this case (the contact record that led to it), its first case, depth.
    infected_by = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="infected", db_index=False
    )
    root = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    generation = models.PositiveSmallIntegerField(_("generation"), default=1)
    unit_path = models.CharField(_("unit path"), max_length=24)
    grid = _grid_fk()
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(_("created"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    version = models.PositiveIntegerField(default=1)

    objects = ScopedQuerySet.as_manager()

    audit_fields = (
        "person",
        "classification",
        "origin",
        "source",
        "onset_date",
        "sampling_date",
        "report_date",
        "diagnosis_date",
        "institution",
        "severity",
        "outcome",
        "outcome_date",
        "infected_by",
        "root",
        "generation",
        "unit_path",
        "grid",
        "note",
    )

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        indexes = [
            models.Index(fields=["unit_path", "classification"], name="cases_case_scope_idx"),
            models.Index(fields=["root", "generation"], name="cases_case_chain_idx"),
            models.Index(fields=["report_date"], name="cases_case_report_idx"),
            models.Index(fields=["sample"], name="cases_case_sample_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_classification_display()} #{self.pk}"

    @property
    def audit_person_id(self) -> int:
        return self.person_id


class ClassificationChange(models.Model):
    """Every move of the state machine, with its date: the history the report and the chain read."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="changes")
    from_classification = models.CharField(max_length=16, choices=Classification.choices, blank=True)
    to_classification = models.CharField(max_length=16, choices=Classification.choices)
    on = models.DateField(_("date"))
    at = models.DateTimeField(_("recorded"))
    by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    note = models.CharField(_("note"), max_length=300, blank=True)

    audit_fields = ("case", "from_classification", "to_classification", "on", "note")

    class Meta:
        indexes = [models.Index(fields=["case", "at"], name="cases_change_case_idx")]

    def __str__(self) -> str:
        return f"{self.from_classification or '—'} → {self.to_classification} ({self.on})"


class ItineraryEntry(models.Model):
    """One place the case was in the 14 days before onset (流调轨迹)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="itinerary")
    date = models.DateField(_("date"))
    start_time = models.TimeField(_("from"))
    end_time = models.TimeField(_("to"))
    place = models.CharField(_("place"), max_length=100)
    # The place's key for 时空伴随: the name without spaces, so "人民 超市" and "人民超市" meet.
    place_key = models.CharField(max_length=100)
    address = models.CharField(_("address"), max_length=200, blank=True)
    unit_path = models.CharField(_("unit path"), max_length=24, blank=True)
    grid = _grid_fk()
    outside_district = models.BooleanField(_("outside the district"), default=False)
    activity = models.CharField(_("activity"), max_length=100, blank=True)
    companions = models.CharField(_("companions"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("recorded"))

    audit_fields = (
        "case",
        "date",
        "start_time",
        "end_time",
        "place",
        "address",
        "unit_path",
        "outside_district",
        "activity",
        "companions",
    )

    class Meta:
        verbose_name = _("itinerary entry")
        verbose_name_plural = _("itinerary entries")
        indexes = [
            models.Index(fields=["place_key", "date"], name="cases_entry_place_idx"),
            models.Index(fields=["case", "date"], name="cases_entry_case_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.place}"


class Contact(ScopedModel):
    """A person exposed to a case. Scoped by the contact's own place (their grid looks after them)."""

    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, related_name="contacts", verbose_name=_("index case")
    )
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="contacts", verbose_name=_("person")
    )
    # A secondary contact was exposed to this close contact (次密接 → 密接 of the case).
    via = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="secondary", db_index=False
    )
    entry = models.ForeignKey(
        ItineraryEntry,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="contacts",
        db_index=False,
    )
    relation = models.CharField(
        _("relation"), max_length=12, choices=Relation.choices, default=Relation.OTHER
    )
    exposure_mode = models.CharField(
        _("exposure"), max_length=12, choices=ExposureMode.choices, default=ExposureMode.OTHER
    )
    last_exposure = models.DateField(_("last exposure"))
    category = models.CharField(_("category"), max_length=10, choices=ContactCategory.choices, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=ContactState.choices, default=ContactState.FOUND
    )
    judged_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    judged_at = models.DateTimeField(_("judged"), null=True, blank=True)
    task = models.ForeignKey(
        "verification.VerificationTask", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    measure = models.ForeignKey(
        "control.Measure", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    outside_district = models.BooleanField(_("outside the district"), default=False)
    forward_district = models.CharField(_("district of the address"), max_length=60, blank=True)
    unit_path = models.CharField(_("unit path"), max_length=24, blank=True)
    grid = _grid_fk()
    created_at = models.DateTimeField(_("recorded"))
    version = models.PositiveIntegerField(default=1)

    objects = ScopedQuerySet.as_manager()

    audit_fields = (
        "case",
        "person",
        "via",
        "entry",
        "relation",
        "exposure_mode",
        "last_exposure",
        "category",
        "state",
        "task",
        "measure",
        "outside_district",
        "forward_district",
        "unit_path",
        "grid",
    )

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        constraints = [models.UniqueConstraint(fields=["case", "person"], name="cases_contact_once")]
        indexes = [
            models.Index(fields=["unit_path", "state"], name="cases_contact_scope_idx"),
            models.Index(fields=["person"], name="cases_contact_person_idx"),
            models.Index(fields=["grid", "state"], name="cases_contact_grid_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()} #{self.pk}"

    @property
    def audit_person_id(self) -> int:
        return self.person_id
