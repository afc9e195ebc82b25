"""Major projects (重特大项目) with milestones and monthly investment, and the economy's indicators
(经济运行调度) with annual targets. Scoped by the town (or the district for district-wide rows)."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from hongyixing.core.scope import ScopedModel, ScopedQuerySet
from hongyixing.projects.choices import Frequency, Sector, Stage

USER = settings.AUTH_USER_MODEL


class Project(ScopedModel):
    scope_grid_field: ClassVar[str | None] = None

    name = models.CharField(_("name"), max_length=120)
    investor = models.CharField(_("investor"), max_length=120)
    amount = models.DecimalField(_("total investment (10,000 yuan)"), max_digits=14, decimal_places=2)
    sector = models.CharField(_("sector"), max_length=20, choices=Sector.choices)
    unit_path = models.CharField(_("town"), max_length=24, db_index=True)
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices, default=Stage.SIGNED)
    concentrated_start = models.BooleanField(_("in the concentrated start"), default=False)
    planned_start = models.DateField(_("planned start"), null=True, blank=True)
    leader = models.CharField(_("responsible leader"), max_length=60, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    audit_fields = (
        "name",
        "investor",
        "amount",
        "sector",
        "unit_path",
        "stage",
        "concentrated_start",
        "planned_start",
    )

    class Meta:
        verbose_name = _("major project")
        verbose_name_plural = _("major projects")

    def __str__(self) -> str:
        return self.name


class Milestone(ScopedModel):
    scope_grid_field: ClassVar[str | None] = None

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="milestones")
    unit_path = models.CharField(_("town"), max_length=24)
    name = models.CharField(_("milestone"), max_length=120)
    planned = models.DateField(_("planned"))
    actual = models.DateField(_("actual"), null=True, blank=True)
    # Plain escalation field, as on enterprise problems: the engine may raise it; slipped = overdue.
    escalation = models.PositiveSmallIntegerField(default=0)

    objects = ScopedQuerySet.as_manager()

    audit_fields = ("name", "planned", "actual", "escalation")

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        indexes = [models.Index(fields=["actual", "planned"], name="proj_milestone_due_idx")]

    def __str__(self) -> str:
        return self.name


class MonthlyInvestment(ScopedModel):
    scope_grid_field: ClassVar[str | None] = None

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="investments")
    unit_path = models.CharField(_("town"), max_length=24)
    month = models.DateField(_("month"))  # the first of the month
    planned = models.DecimalField(_("planned (10,000 yuan)"), max_digits=14, decimal_places=2, default=0)
    actual = models.DecimalField(_("completed (10,000 yuan)"), max_digits=14, decimal_places=2, default=0)

    objects = ScopedQuerySet.as_manager()

    audit_fields = ("month", "planned", "actual")

    class Meta:
        verbose_name = _("monthly investment")
        verbose_name_plural = _("monthly investments")
        constraints = [
            models.UniqueConstraint(fields=["project", "month"], name="proj_investment_month_unique")
        ]

    def __str__(self) -> str:
        return f"{self.project_id} {self.month:%Y-%m}"


class Indicator(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=80)
    unit = models.CharField(_("unit of measure"), max_length=20)
    frequency = models.CharField(
        _("frequency"), max_length=20, choices=Frequency.choices, default=Frequency.MONTHLY
    )
    cumulative = models.BooleanField(_("cumulative over the year"), default=True)

    audit_fields = ("code", "name", "unit", "frequency", "cumulative")

    class Meta:
        verbose_name = _("economic indicator")
        verbose_name_plural = _("economic indicators")

    def __str__(self) -> str:
        return self.name


class IndicatorTarget(ScopedModel):
    scope_grid_field: ClassVar[str | None] = None

    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="targets")
    unit_path = models.CharField(_("town or district"), max_length=24)
    department = models.CharField(_("department"), max_length=40, blank=True)
    year = models.PositiveSmallIntegerField(_("year"))
    target = models.DecimalField(_("annual target"), max_digits=16, decimal_places=2)

    objects = ScopedQuerySet.as_manager()

    audit_fields = ("indicator_id", "unit_path", "department", "year", "target")

    class Meta:
        verbose_name = _("indicator target")
        verbose_name_plural = _("indicator targets")
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "unit_path", "department", "year"], name="proj_target_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.indicator} {self.year}"


class IndicatorValue(ScopedModel):
    """The year-to-date value of an indicator for one period (a month or a quarter's last month)."""

    scope_grid_field: ClassVar[str | None] = None

    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="values")
    unit_path = models.CharField(_("town or district"), max_length=24)
    department = models.CharField(_("department"), max_length=40, blank=True)
    period = models.DateField(_("period"))  # the first of the month
    value = models.DecimalField(_("value"), max_digits=16, decimal_places=2)
    entered_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    objects = ScopedQuerySet.as_manager()

    audit_fields = ("indicator_id", "unit_path", "department", "period", "value")

    class Meta:
        verbose_name = _("indicator value")
        verbose_name_plural = _("indicator values")
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "unit_path", "department", "period"], name="proj_value_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.indicator} {self.period:%Y-%m}"
