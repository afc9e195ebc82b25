"""The district tree: admin units down to buildings, grids over them, and households."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from hongyixing.areas.choices import AliasKind, UnitLevel
from hongyixing.core.scope import ScopedModel, ScopedQuerySet


class AdminUnit(ScopedModel):
    """A node of the tree: city, district, town, village/community, group/compound, building."""

    scope_path_field = "path"
    scope_grid_field = "grid_id"

    code = models.CharField(_("code"), max_length=24, unique=True)
    path = models.CharField(_("path"), max_length=24, unique=True)
    name = models.CharField(_("name"), max_length=100)
    level = models.CharField(_("level"), max_length=10, choices=UnitLevel.choices)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent"),
    )
    grid = models.ForeignKey(
        "Grid", on_delete=models.SET_NULL, null=True, blank=True, related_name="units", verbose_name=_("grid")
    )
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    # The responsible person is a user (ADR 0013); ``responsible_name`` keeps a name recorded before
    # any account matched it, shown only while ``responsible`` is empty.
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("responsible person"),
    )
    responsible_name = models.CharField(_("responsible person"), max_length=50, blank=True)
    responsible_title = models.CharField(_("responsible person's post"), max_length=50, blank=True)
    person_count = models.IntegerField(_("persons"), default=0)
    household_count = models.IntegerField(_("households"), default=0)
    version = models.PositiveIntegerField(default=1)

    objects = ScopedQuerySet.as_manager()

    audit_fields = (
        "code",
        "name",
        "level",
        "parent_id",
        "grid_id",
        "valid_from",
        "valid_to",
        "responsible_id",
        "responsible_name",
        "responsible_title",
    )

    class Meta:
        verbose_name = _("admin unit")
        verbose_name_plural = _("admin units")
        ordering = ["path"]
        indexes = [models.Index(fields=["parent", "path"], name="areas_unit_children_idx")]

    def __str__(self) -> str:
        return self.name

    @property
    def unit_path(self) -> str:
        return self.path

    @property
    def responsible_display(self) -> str:
        """The responsible user's name, else the name recorded before any account matched it."""
        return _person_name(self.responsible) or self.responsible_name


def _person_name(user: Any) -> str:
    if user is None:
        return ""
    return str(user.display_name or user.username)


class UnitAlias(models.Model):
    """Other names a unit goes by (洪泽县 = 洪泽区 = 洪泽; 大魏居委会 = 大魏社区)."""

    unit = models.ForeignKey(AdminUnit, on_delete=models.CASCADE, related_name="aliases")
    alias = models.CharField(_("alias"), max_length=100, db_index=True)
    kind = models.CharField(_("kind"), max_length=10, choices=AliasKind.choices)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)

    audit_fields = ("unit_id", "alias", "kind")

    class Meta:
        verbose_name = _("unit alias")
        verbose_name_plural = _("unit aliases")
        constraints = [models.UniqueConstraint(fields=["unit", "alias"], name="areas_alias_unique")]

    def __str__(self) -> str:
        return self.alias


class Grid(ScopedModel):
    """One grid worker's area of responsibility inside a village/community."""

    scope_path_field = "unit_path"
    scope_grid_field = "id"

    code = models.CharField(_("code"), max_length=24, unique=True)
    name = models.CharField(_("name"), max_length=100)
    village = models.ForeignKey(
        AdminUnit, on_delete=models.PROTECT, related_name="grids", verbose_name=_("village")
    )
    unit_path = models.CharField(_("unit path"), max_length=24, db_index=True)
    # The grid worker is a user (ADR 0013); ``responsible_name`` keeps an unmatched name only.
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("grid worker"),
    )
    responsible_name = models.CharField(_("grid worker"), max_length=50, blank=True)
    person_count = models.IntegerField(_("persons"), default=0)
    household_count = models.IntegerField(_("households"), default=0)
    version = models.PositiveIntegerField(default=1)

    objects = ScopedQuerySet.as_manager()

    audit_fields = ("code", "name", "village_id", "worker_id", "responsible_name")

    class Meta:
        verbose_name = _("grid")
        verbose_name_plural = _("grids")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    @property
    def worker_display(self) -> str:
        """The worker's name, else the name recorded before any account matched it."""
        return _person_name(self.worker) or self.responsible_name


class Household(ScopedModel):
    """The door a grid worker knocks on."""

    number = models.CharField(_("household number"), max_length=30, unique=True)
    unit = models.ForeignKey(
        AdminUnit, on_delete=models.PROTECT, related_name="households", verbose_name=_("unit")
    )
    unit_path = models.CharField(_("unit path"), max_length=24)
    grid = models.ForeignKey(
        Grid, on_delete=models.PROTECT, related_name="households", verbose_name=_("grid"), db_index=False
    )
    door = models.CharField(_("door / room"), max_length=40, blank=True)
    address = models.CharField(_("address"), max_length=200)
    person_count = models.IntegerField(_("persons"), default=0)
    version = models.PositiveIntegerField(default=1)

    objects = ScopedQuerySet.as_manager()

    audit_fields = ("number", "unit_id", "grid_id", "door", "address")

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        indexes = [
            models.Index(fields=["unit_path", "id"], name="areas_household_path_idx"),
            models.Index(fields=["grid", "id"], name="areas_household_grid_idx"),
        ]

    def __str__(self) -> str:
        return self.address


class HeaderMapping(models.Model):
    """A header an importer did not know, mapped by a person once and remembered for their town."""

    unit_path = models.CharField(_("unit path"), max_length=24)
    kind = models.CharField(_("kind"), max_length=20)
    header = models.CharField(_("header"), max_length=100)
    field = models.CharField(_("field"), max_length=40, blank=True)  # "" = ignore this column

    audit_fields = ("unit_path", "kind", "header", "field")

    class Meta:
        verbose_name = _("header mapping")
        verbose_name_plural = _("header mappings")
        constraints = [
            models.UniqueConstraint(
                fields=["unit_path", "kind", "header"], name="areas_header_mapping_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.header} → {self.field or '-'}"
