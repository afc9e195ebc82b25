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
