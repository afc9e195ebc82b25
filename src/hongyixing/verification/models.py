"""Push lists, their rows, verification tasks and the feedback from the field."""

from __future__ import annotations

import functools

from django.conf import settings
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from hongyixing.areas.models import Grid
from hongyixing.core.deadlines import DeadlineFields
from hongyixing.core.scope import ScopedModel, ScopedQuerySet
from hongyixing.people.models import Person
from hongyixing.verification.choices import (
    OPEN_STATES,
    Category,
    CodeColour,
    ContactMethod,
    Disposition,
    RowStatus,
    SourceKind,
    TaskState,
    TestStatus,
)


class PushSource(models.Model):
    """Who sends lists, and the column mapping their files use (saved after the first upload)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=80)
    kind = models.CharField(_("kind"), max_length=20, choices=SourceKind.choices)
    column_mapping = models.JSONField(_("column mapping"), default=dict, blank=True)

    audit_fields = ("code", "name", "kind", "column_mapping")

    class Meta:
        verbose_name = _("push source")
        verbose_name_plural = _("push sources")

    def __str__(self) -> str:
        return self.name


class PushBatch(ScopedModel):
    """One list as received. District-wide work: scoped by the district it was received for."""

    source = models.ForeignKey(PushSource, on_delete=models.PROTECT, related_name="batches")
    external_id = models.CharField(_("sender's batch id"), max_length=80, blank=True)
    title = models.CharField(_("title"), max_length=200)
    file_name = models.CharField(_("file"), max_length=200, blank=True)
    fingerprint = models.CharField(max_length=64, blank=True, db_index=True)
    category = models.CharField(
        _("category"), max_length=20, choices=Category.choices, default=Category.GENERAL
    )
    received_at = models.DateTimeField(_("received"))
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    unit_path = models.CharField(_("unit path"), max_length=24)
    headers = models.JSONField(_("sender's columns"), default=list)
    mapping = models.JSONField(_("column mapping"), default=dict)
    row_count = models.PositiveIntegerField(_("rows"), default=0)
    skipped = models.JSONField(_("skipped lines"), default=list)

    audit_fields = ("source_id", "external_id", "title", "file_name", "category", "row_count")

    objects = ScopedQuerySet.as_manager()
    scope_grid_field = None

    class Meta:
        verbose_name = _("push batch")
        verbose_name_plural = _("push batches")
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"],
                condition=~models.Q(external_id=""),
                name="verification_batch_ext_unique",
            )
        ]

    def __str__(self) -> str:
        return self.title


class PushRow(ScopedModel):
    """One line of a list, exactly as sent (sealed), and what became of it."""

    batch = models.ForeignKey(PushBatch, on_delete=models.CASCADE, related_name="rows")
    row_number = models.PositiveIntegerField(_("row"))
    row_key = models.CharField(_("row key"), max_length=80)
    raw_ciphertext = models.TextField()
    name = models.CharField(_("name"), max_length=60, blank=True)
    document_masked = models.CharField(_("document number"), max_length=40, blank=True)
    phone_masked = models.CharField(_("phone"), max_length=20, blank=True)
    address = models.CharField(_("reported address"), max_length=300, blank=True)
    category = models.CharField(
        _("category"), max_length=20, choices=Category.choices, default=Category.GENERAL
    )
    arrival_date = models.DateField(_("arrival date"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=RowStatus.choices)
    warnings = models.JSONField(_("warnings"), default=list)
    problem = models.CharField(_("problem"), max_length=200, blank=True)
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="push_rows"
    )
    link_confidence = models.FloatField(_("link confidence"), default=0)
    link_reason = models.CharField(_("link reason"), max_length=200, blank=True)
    unit_path = models.CharField(_("unit path"), max_length=24, blank=True)
    grid = models.ForeignKey(
        Grid, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    route_confidence = models.FloatField(_("routing confidence"), default=0)
    route_reason = models.CharField(_("routing reason"), max_length=300, blank=True)
    suggestions = models.JSONField(_("suggestions"), default=list)
    task = models.ForeignKey(
        "VerificationTask", on_delete=models.SET_NULL, null=True, blank=True, related_name="rows"
    )
    # The earlier row of the same list for the same person (merged into it while it has no task yet).
    same_as_row = models.PositiveIntegerField(_("same person as row"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    audit_fields = (
        "row_number",
        "name",
        "document_masked",
        "phone_masked",
        "address",
        "status",
        "problem",
        "person_id",
        "unit_path",
        "grid_id",
        "task_id",
        "same_as_row",
        "arrival_date",
    )

    class Meta:
        verbose_name = _("push row")
        verbose_name_plural = _("push rows")
        constraints = [
            models.UniqueConstraint(fields=["batch", "row_key"], name="verification_row_key_unique")
        ]
        indexes = [models.Index(fields=["batch", "status"], name="verification_row_status_idx")]

    def __str__(self) -> str:
        return f"{self.batch_id}:{self.row_number} {self.name}"

    @property
    def audit_person_id(self) -> int | None:
        return self.person_id


@functools.lru_cache(maxsize=64)
def _state_label(language: str | None, state: str) -> str:
    """A state's name in one language, looked up once: the bulk change log names thousands of tasks."""
    return str(dict(TaskState.choices).get(state, state))


class VerificationTask(DeadlineFields, ScopedModel):
    """One person to verify for one batch, routed to a grid, with a deadline."""

    batch = models.ForeignKey(PushBatch, on_delete=models.PROTECT, related_name="tasks")
    # No index of its own: (person, state) below leads with it, and a list's every task paid for both.
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="tasks", db_index=False
    )
    name = models.CharField(_("name"), max_length=60)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    rule_id_pinned = models.PositiveIntegerField(_("rule"), null=True, blank=True)
    unit_path = models.CharField(_("unit path"), max_length=24)
    grid = models.ForeignKey(
        Grid, on_delete=models.PROTECT, null=True, blank=True, related_name="tasks", db_index=False
    )
    state = models.CharField(_("state"), max_length=14, choices=TaskState.choices, default=TaskState.NEW)
    # The village (12 digits) or town (9) whose desk must assign a grid; blank once a grid has it.
    waits_at = models.CharField(_("waiting at"), max_length=24, blank=True)
    arrival_date = models.DateField(_("arrival date"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"))
    # deadline, warn_half_at, warn_late_at, supervise_at, escalation, escalated_at: core.deadlines.
    disposition = models.CharField(_("disposition"), max_length=20, choices=Disposition.choices, blank=True)
    forwarded_to = models.CharField(_("forwarded to"), max_length=200, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    measure_requested = models.CharField(_("measure requested"), max_length=30, blank=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    objects = ScopedQuerySet.as_manager()

    audit_fields = (
        "state",
        "unit_path",
        "grid_id",
        "waits_at",
        "deadline",
        "escalation",
        "disposition",
        "forwarded_to",
        "note",
        "measure_requested",
    )

    class Meta:
        verbose_name = _("verification task")
        verbose_name_plural = _("verification tasks")
        indexes = [
            models.Index(fields=["grid", "state", "deadline"], name="verification_task_grid_idx"),
            models.Index(fields=["unit_path", "state"], name="verification_task_path_idx"),
            models.Index(fields=["state", "escalation", "deadline"], name="verification_task_due_idx"),
            models.Index(fields=["person", "state"], name="verification_task_person_idx"),
            # The desk's list (open tasks, the closest deadline first): the open tasks alone, in order,
            # so the page reads its 50 rows instead of sorting every open task (the closed ones, most
            # of the table and growing, are not in it).
            models.Index(
                fields=["deadline", "id"],
                condition=models.Q(state__in=OPEN_STATES),
                name="verification_task_open_idx",
            ),
            # The desk's count of tasks by state: read from the index in state order, no hashing of
            # every task's state.
            models.Index(fields=["state", "unit_path"], name="verification_task_state_idx"),
            # The desk sorted by name (the overdue filter included): the open tasks alone, in name
            # order, so the page walks its 50 rows (and the few it filters out) instead of reading
            # every task and sorting all the overdue ones (285,000 persons: 33 ms -> 1 ms in SQL).
            models.Index(
                fields=["name", "id"],
                condition=models.Q(state__in=OPEN_STATES),
                name="verification_task_name_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({_state_label(translation.get_language(), self.state)})"

    @property
    def measure_requested_label(self) -> str:
        """The requested measure in words (the field keeps the control module's code)."""
        from hongyixing.verification.history import VALUE_LABELS

        labels = VALUE_LABELS["verification.verificationtask"]["measure_requested"]
        return str(labels.get(self.measure_requested, _("Other measure"))) if self.measure_requested else ""

    @property
    def audit_person_id(self) -> int | None:
        return self.person_id


class Feedback(models.Model):
    """What the grid worker found. ``client_id`` makes a retried submission a no-op."""

    task = models.ForeignKey(VerificationTask, on_delete=models.CASCADE, related_name="feedback")
    client_id = models.CharField(_("client id"), max_length=64, unique=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(_("submitted"))
    contact_method = models.CharField(_("contact method"), max_length=10, choices=ContactMethod.choices)
    current_location = models.CharField(_("current location"), max_length=200, blank=True)
    arrival_date = models.DateField(_("arrival date"), null=True, blank=True)
    route = models.CharField(_("route"), max_length=300, blank=True)
    symptoms = models.CharField(_("symptoms"), max_length=200, blank=True)
    temperature = models.DecimalField(_("temperature"), max_digits=3, decimal_places=1, null=True, blank=True)
    code_colour = models.CharField(
        _("health-code colour"), max_length=8, choices=CodeColour.choices, default=CodeColour.UNKNOWN
    )
    test_status = models.CharField(
        _("test status"), max_length=10, choices=TestStatus.choices, default=TestStatus.NONE
    )
    disposition = models.CharField(_("disposition"), max_length=20, choices=Disposition.choices)
    notes = models.CharField(_("notes"), max_length=500, blank=True)
    photo = models.FileField(_("photo"), upload_to="feedback/%Y/%m/", null=True, blank=True)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)

    audit_fields = (
        "task_id",
        "client_id",
        "contact_method",
        "current_location",
        "arrival_date",
        "route",
        "symptoms",
        "temperature",
        "code_colour",
        "test_status",
        "disposition",
        "notes",
    )

    class Meta:
        verbose_name = _("feedback")
        verbose_name_plural = _("feedback")

    def __str__(self) -> str:
        return f"{self.task_id} {self.disposition}"

    @property
    def audit_person_id(self) -> int | None:
        return self.task.person_id

    @property
    def unit_path(self) -> str:
        return self.task.unit_path
