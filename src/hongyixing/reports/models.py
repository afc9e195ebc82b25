"""Daily figures per village and day (closed days are kept, so trends never rescan raw rows), and the
daily reports units file: a signed report is an immutable snapshot, a correction is a new version."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from hongyixing.areas.models import AdminUnit
from hongyixing.core.scope import ScopedModel, ScopedQuerySet


class DailyStat(models.Model):
    """One metric of one village for one reporting day (the window ending at that day's cut-off)."""

    day = models.DateField()
    village_path = models.CharField(max_length=12)
    metric = models.CharField(max_length=40)
    value = models.IntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["day", "village_path", "metric"], name="reports_stat_unique")
        ]
        indexes = [models.Index(fields=["metric", "day"], name="reports_stat_metric_idx")]

    def __str__(self) -> str:
        return f"{self.day} {self.village_path} {self.metric}={self.value}"


class ClosedDay(models.Model):
    """A reporting day whose figures are stored in DailyStat (closing is all or nothing)."""

    day = models.DateField(unique=True)
    closed_at = models.DateTimeField()

    def __str__(self) -> str:
        return str(self.day)


class ReportState(models.TextChoices):
    SIGNED = "signed", _("Signed")
    SUPERSEDED = "superseded", _("Superseded by a correction")


class DailyReport(ScopedModel):
    scope_grid_field = None

    unit = models.ForeignKey(AdminUnit, on_delete=models.PROTECT, related_name="+")
    unit_path = models.CharField(_("unit path"), max_length=24)
    day = models.DateField(_("date"))
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    state = models.CharField(
        _("state"), max_length=12, choices=ReportState.choices, default=ReportState.SIGNED
    )
    cutoff = models.DateTimeField(_("cut-off"))
    figures = models.JSONField(_("figures"))
    zero_report = models.BooleanField(_("zero report"), default=False)
    problems = models.TextField(_("problems"), blank=True)
    next_steps = models.TextField(_("next steps"), blank=True)
    compiled_by = models.CharField(_("compiled by"), max_length=60)
    reviewed_by = models.CharField(_("reviewed by"), max_length=60, blank=True)
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signed_at = models.DateTimeField(_("signed"))
    correction_reason = models.CharField(_("reason for the correction"), max_length=200, blank=True)

    objects = ScopedQuerySet.as_manager()

    audit_fields = (
        "unit_id",
        "day",
        "version",
        "state",
        "zero_report",
        "problems",
        "next_steps",
        "compiled_by",
        "reviewed_by",
        "correction_reason",
    )

    class Meta:
        verbose_name = _("daily report")
        verbose_name_plural = _("daily reports")
        constraints = [
            models.UniqueConstraint(fields=["unit", "day", "version"], name="reports_report_version_unique")
        ]
        indexes = [models.Index(fields=["day", "unit_path"], name="reports_report_day_idx")]

    def __str__(self) -> str:
        return f"{self.unit} {self.day} v{self.version}"
