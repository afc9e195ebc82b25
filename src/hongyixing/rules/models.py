"""Policy as effective-dated data: a record pins the rule version in force when it started."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class VerificationRule(models.Model):
    """How long a verification of one push category may take (24 h by default; 2 h / 12 h for some)."""

    category = models.CharField(_("category"), max_length=40)
    name = models.CharField(_("name"), max_length=80)
    deadline_minutes = models.PositiveIntegerField(_("deadline (minutes)"))
    valid_from = models.DateTimeField(_("valid from"))
    valid_to = models.DateTimeField(_("valid to"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    audit_fields = ("category", "name", "deadline_minutes", "valid_from", "valid_to", "note")

    class Meta:
        verbose_name = _("verification rule")
        verbose_name_plural = _("verification rules")
        indexes = [models.Index(fields=["category", "valid_from"], name="rules_verif_category_idx")]

    def __str__(self) -> str:
        return f"{self.name} ({self.deadline_minutes // 60} h)"


class MeasureRule(models.Model):
    """How long a control measure of one type lasts for one category of person, its test days, and
    the measure that follows it (7+3, 5+3). A measure pins the rule in force on its start date."""

    measure_type = models.CharField(_("measure type"), max_length=30)
    category = models.CharField(_("category"), max_length=40, default="general")
    name = models.CharField(_("name"), max_length=80)
    period_days = models.PositiveSmallIntegerField(_("period (days)"))
    # Day numbers counted from the start date as day 1.
    test_days = models.JSONField(_("test days"), default=list, blank=True)
    follow_on_type = models.CharField(_("follow-on measure"), max_length=30, blank=True)
    follow_on_days = models.PositiveSmallIntegerField(_("follow-on period (days)"), default=0)
    follow_on_test_days = models.JSONField(_("follow-on test days"), default=list, blank=True)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    audit_fields = (
        "measure_type",
        "category",
        "name",
        "period_days",
        "test_days",
        "follow_on_type",
        "follow_on_days",
        "follow_on_test_days",
        "valid_from",
        "valid_to",
        "note",
    )

    class Meta:
        verbose_name = _("measure rule")
        verbose_name_plural = _("measure rules")
        indexes = [
            models.Index(fields=["measure_type", "category", "valid_from"], name="rules_measure_lookup_idx")
        ]

    def __str__(self) -> str:
        follow = f"+{self.follow_on_days}" if self.follow_on_type else ""
        return f"{self.name} ({self.period_days}{follow} d)"
