"""The audit trail (全流程追溯): field-diff change log, domain events and personal-data access."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ChangeAction(models.TextChoices):
    CREATE = "create", _("Created")
    UPDATE = "update", _("Updated")
    DELETE = "delete", _("Deleted")


def _actor() -> models.ForeignKey:
    """Who wrote an audit row: read with the row, never looked up by (ADR 0015). Users are never
    deleted (deactivated): DO_NOTHING spares a deletion a scan of the whole table."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )


class ChangeLog(models.Model):
    """One row per created, changed or deleted audited object, with before/after of each field."""

    # Read by person and by object only (the indexes below), never by time or user alone: an index on
    # either, and a database constraint on the user, only cost every audited write (ADR 0015).
    time = models.DateTimeField(_("time"))
    user = _actor()
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    action = models.CharField(_("action"), max_length=10, choices=ChangeAction.choices)
    object_type = models.CharField(_("object type"), max_length=60)
    object_id = models.BigIntegerField(_("object id"))
    object_repr = models.CharField(_("object"), max_length=200)
    person_id = models.BigIntegerField(_("person"), null=True, blank=True)
    unit_path = models.CharField(_("unit path"), max_length=24, blank=True)
    # {"field": [before, after]}; personal values appear only masked.
    changes = models.JSONField(_("changes"), default=dict)

    class Meta:
        verbose_name = _("change")
        verbose_name_plural = _("change log")
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="core_change_object_idx"),
            models.Index(fields=["person_id", "time"], name="core_change_person_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.object_type}#{self.object_id}"


class DomainEvent(models.Model):
    """Something that happened in the work (``person.created``, ``task.assigned`` …)."""

    time = models.DateTimeField(_("time"))  # as the change log's (ADR 0015)
    name = models.CharField(_("event"), max_length=60)
    user = _actor()
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    subject_type = models.CharField(_("subject type"), max_length=60)
    subject_id = models.BigIntegerField(_("subject id"))
    person_id = models.BigIntegerField(_("person"), null=True, blank=True)
    unit_path = models.CharField(_("unit path"), max_length=24, blank=True)
    data = models.JSONField(_("data"), default=dict)

    class Meta:
        verbose_name = _("domain event")
        verbose_name_plural = _("domain events")
        indexes = [
            models.Index(fields=["person_id", "time"], name="core_event_person_idx"),
            # A task's or an assignment's own timeline (core.history.events_of). Events are never read
            # by name alone, so the (name, time) index this replaces only cost every write.
            models.Index(fields=["subject_type", "subject_id", "time"], name="core_event_subject_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.subject_type}#{self.subject_id}"


class PiiAccessKind(models.TextChoices):
    REVEAL = "reveal", _("Revealed")
    EXPORT = "export", _("Exported")


class PiiAccess(models.Model):
    """Who saw which full ID number or phone, when and why; who exported what."""

    time = models.DateTimeField(_("time"), db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=PiiAccessKind.choices)
    person_id = models.BigIntegerField(_("person"), null=True, blank=True)
    field = models.CharField(_("field"), max_length=40)
    reason = models.CharField(_("reason"), max_length=200)
    detail = models.JSONField(_("detail"), default=dict)

    class Meta:
        verbose_name = _("personal-data access")
        verbose_name_plural = _("personal-data access log")
        indexes = [models.Index(fields=["person_id", "time"], name="core_pii_person_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.field} of person #{self.person_id}"


class RateLimitHit(models.Model):
    """One counted request for a rate-limited public form; shared by every server process."""

    key = models.CharField(max_length=120)
    time = models.DateTimeField()

    class Meta:
        verbose_name = _("rate-limit hit")
        verbose_name_plural = _("rate-limit hits")
        indexes = [models.Index(fields=["key", "time"], name="core_ratelimit_idx")]

    def __str__(self) -> str:
        return self.key
