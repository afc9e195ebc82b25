"""Persons and their phones. ID numbers and phones are sealed at rest; only masks are readable."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from hongyixing.areas.models import Grid, Household
from hongyixing.core.scope import ScopedModel, ScopedQuerySet
from hongyixing.people.choices import DocumentType, PersonStatus, PhoneKind, Relation, Residency, Sex


class Person(ScopedModel):
    name = models.CharField(_("name"), max_length=60)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices, default=Sex.UNKNOWN)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    document_type = models.CharField(
        _("document type"), max_length=12, choices=DocumentType.choices, default=DocumentType.RESIDENT_ID
    )
    document_ciphertext = models.TextField(blank=True)
    document_index = models.CharField(max_length=32, null=True, blank=True)
    document_masked = models.CharField(_("document number"), max_length=40, blank=True)
    # Derived, non-identifying: the address code of the ID number (e.g. 320829), used for matching.
    id_area_code = models.CharField(_("ID address code"), max_length=6, blank=True)
    household = models.ForeignKey(
        Household,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
        verbose_name=_("household"),
    )
    relation = models.CharField(_("relation to head"), max_length=12, choices=Relation.choices, blank=True)
    residency = models.CharField(
        _("residency"), max_length=12, choices=Residency.choices, default=Residency.REGISTERED
    )
    domicile_address = models.CharField(_("registered domicile"), max_length=200, blank=True)
    current_address = models.CharField(_("current address"), max_length=200, blank=True)
    unit_path = models.CharField(_("unit path"), max_length=24, blank=True)
    grid = models.ForeignKey(
        Grid,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="persons",
        verbose_name=_("grid"),
        db_index=False,
    )
    # On the register, moved away or deceased, since when, and why (people/lifecycle.py writes them).
    status = models.CharField(
        _("register status"), max_length=12, choices=PersonStatus.choices, default=PersonStatus.RESIDENT
    )
    status_since = models.DateField(_("status since"), null=True, blank=True)
    status_note = models.CharField(_("status note"), max_length=200, blank=True)
    moved_to = models.CharField(_("moved to"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    objects = ScopedQuerySet.as_manager()

    history_hidden_fields = ("birth_date",)
    audit_fields = (
        "name",
        "sex",
        "birth_date",
        "document_type",
        "document_masked",
        "household_id",
        "relation",
        "residency",
        "domicile_address",
        "current_address",
        "grid_id",
        "status",
        "status_since",
        "status_note",
        "moved_to",
    )

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        constraints = [
            models.UniqueConstraint(
                fields=["document_type", "document_index"], name="people_person_document_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["name", "id"], name="people_person_name_idx"),
            models.Index(fields=["unit_path", "id"], name="people_person_path_idx"),
            models.Index(fields=["grid", "id"], name="people_person_grid_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def audit_person_id(self) -> int | None:
        return self.pk

    @property
    def is_resident(self) -> bool:
        return self.status == PersonStatus.RESIDENT

    @property
    def birth_year(self) -> int | None:
        """What pages and the API show: the full date would give digits 7–14 of the ID (ADR 0005)."""
        return self.birth_date.year if self.birth_date else None


class PersonPhone(models.Model):
    # The unique (person, index) constraint below serves look-ups by person: no index of its own.
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="phones", db_index=False)
    kind = models.CharField(_("kind"), max_length=10, choices=PhoneKind.choices, default=PhoneKind.MOBILE)
    ciphertext = models.TextField()
    index = models.CharField(max_length=32)  # a keyed hash, looked up by equality only: see Meta
    masked = models.CharField(_("phone"), max_length=20)
    is_primary = models.BooleanField(_("primary"), default=True)

    audit_fields = ("person_id", "kind", "masked", "is_primary")

    class Meta:
        verbose_name = _("phone")
        verbose_name_plural = _("phones")
        constraints = [models.UniqueConstraint(fields=["person", "index"], name="people_phone_unique")]
        # A plain index: ``db_index`` would add PostgreSQL's pattern-ops twin for LIKE, which a hash
        # never meets (ADR 0015).
        indexes = [models.Index(fields=["index"], name="people_phone_index_idx")]

    def __str__(self) -> str:
        return self.masked

    @property
    def audit_person_id(self) -> int:
        return self.person_id

    @property
    def unit_path(self) -> str:
        person: Any = self.person
        return str(person.unit_path)
