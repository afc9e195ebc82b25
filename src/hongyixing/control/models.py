"""Control measures: the measure and its team, health checks, tests, alerts, quarantine sites with
rooms and stays, closed-loop transfers and inbound arrivals."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from hongyixing.areas.models import Grid, Household
from hongyixing.control.choices import (
    AlertKind,
    AlertState,
    CheckSource,
    MeasureCategory,
    MeasureSource,
    MeasureState,
    MeasureType,
    RoomStatus,
    SampleStatus,
    SiteKind,
    Slot,
    TeamRole,
    TransferOutState,
    TransferReason,
    TransferState,
)
from hongyixing.core.scope import ScopedModel, ScopedQuerySet, scope_for
from hongyixing.people.models import Person
from hongyixing.rules.models import MeasureRule

USER = settings.AUTH_USER_MODEL


def _grid_fk(**extra: Any) -> models.ForeignKey:
    return models.ForeignKey(
        Grid, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False, **extra
    )


class Measure(ScopedModel):
    """One person under one measure, from its start to release (or conversion, transfer, early end).

    Period and test days are copied from the pinned rule when the measure opens, so a later change of
    policy never moves the end date of people already under measure."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="measures")
    type = models.CharField(_("measure"), max_length=30, choices=MeasureType.choices)
    category = models.CharField(
        _("category"), max_length=30, choices=MeasureCategory.choices, default=MeasureCategory.GENERAL
    )
    source = models.CharField(_("opened from"), max_length=20, choices=MeasureSource.choices)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    task = models.ForeignKey(
        "verification.VerificationTask", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    rule = models.ForeignKey(MeasureRule, on_delete=models.PROTECT, related_name="+")
    follow_on = models.BooleanField(_("follow-on phase"), default=False)
    previous = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="next_measures"
    )
    start_date = models.DateField(_("start"))
    period_days = models.PositiveSmallIntegerField(_("period (days)"))
    extension_days = models.PositiveSmallIntegerField(_("extended by (days)"), default=0)
    test_days = models.JSONField(_("test days"), default=list)
    end_date = models.DateField(_("end"))
    state = models.CharField(
        _("state"), max_length=20, choices=MeasureState.choices, default=MeasureState.ACTIVE
    )
    unit_path = models.CharField(_("unit path"), max_length=24)
    grid = _grid_fk()
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    opened_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    opened_at = models.DateTimeField(_("opened"))
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    close_reason = models.CharField(_("closing reason"), max_length=200, blank=True)
    suitability = models.JSONField(_("home suitability"), default=dict, blank=True)
    suitable = models.BooleanField(_("home suitable"), null=True, blank=True)
    suitability_checked_at = models.DateTimeField(_("suitability checked"), null=True, blank=True)
    notice_signed_at = models.DateTimeField(_("notice signed"), null=True, blank=True)
    notice_signed_by = models.CharField(_("notice signed by"), max_length=60, blank=True)
    transfer_out_to = models.CharField(_("transferred to"), max_length=100, blank=True)
    transfer_out_state = models.CharField(
        _("transfer out"), max_length=12, choices=TransferOutState.choices, blank=True, default=""
    )
    release_proposed_at = models.DateTimeField(_("release proposed"), null=True, blank=True)
    release_proposed_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    release_confirmed_at = models.DateTimeField(_("release confirmed"), null=True, blank=True)
    release_confirmed_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    release_number = models.CharField(_("release notice number"), max_length=40, null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    objects = ScopedQuerySet.as_manager()

    audit_fields = (
        "person_id",
        "type",
        "category",
        "source",
        "reason",
        "rule_id",
        "start_date",
        "period_days",
        "extension_days",
        "test_days",
        "end_date",
        "state",
        "grid_id",
        "close_reason",
        "suitability",
        "suitable",
        "notice_signed_at",
        "notice_signed_by",
        "transfer_out_to",
        "transfer_out_state",
        "release_proposed_at",
        "release_confirmed_at",
        "release_number",
    )

    class Meta:
        verbose_name = _("control measure")
        verbose_name_plural = _("control measures")
        constraints = [
            models.UniqueConstraint(
                fields=["person"], condition=Q(state="active"), name="control_one_active_measure"
            ),
            models.UniqueConstraint(fields=["release_number"], name="control_release_number_unique"),
        ]
        indexes = [
            models.Index(fields=["unit_path", "state"], name="control_measure_path_idx"),
            # the list's order (end_date, id): no sort of every active measure sharing an end date
            models.Index(fields=["state", "end_date", "id"], name="control_measure_end_idx"),
            models.Index(fields=["grid", "state"], name="control_measure_grid_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_type_display()} {self.start_date}–{self.end_date}"

    @property
    def audit_person_id(self) -> int:
        return self.person_id

    @property
    def is_active(self) -> bool:
        return self.state == MeasureState.ACTIVE


class TeamMember(models.Model):
    """One of the team of four (四包一), or the optional volunteer (五包一)."""

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="team")
    role = models.CharField(_("role"), max_length=20, choices=TeamRole.choices)
    user = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    name = models.CharField(_("name"), max_length=60)
    duty = models.CharField(_("duty"), max_length=200, blank=True)

    audit_fields = ("measure_id", "role", "user_id", "name", "duty")

    class Meta:
        verbose_name = _("team member")
        verbose_name_plural = _("team members")
        indexes = [models.Index(fields=["user", "measure"], name="control_team_user_idx")]
        constraints = [models.UniqueConstraint(fields=["measure", "role"], name="control_team_one_per_role")]

    def __str__(self) -> str:
        return f"{self.get_role_display()} {self.name}"


class HealthCheck(ScopedModel):
    """One temperature/symptom check. Append-only: the row carries its own attribution (who, when,
    how, the client's id), so a correction is a new row and the change log is not written twice."""

    client_id = models.UUIDField(_("client id"), unique=True)
    measure = models.ForeignKey(Measure, on_delete=models.PROTECT, related_name="checks", db_index=False)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+", db_index=False)
    unit_path = models.CharField(_("unit path"), max_length=24)
    grid = _grid_fk()
    day = models.DateField(_("day"))
    slot = models.CharField(_("slot"), max_length=1, choices=Slot.choices)
    temperature = models.DecimalField(_("temperature (°C)"), max_digits=3, decimal_places=1, null=True)
    symptoms = models.CharField(_("symptoms"), max_length=100, blank=True)
    abnormal = models.BooleanField(_("abnormal"), default=False)
    source = models.CharField(_("recorded by"), max_length=4, choices=CheckSource.choices)
    recorded_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    recorded_at = models.DateTimeField(_("recorded"))

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("health check")
        verbose_name_plural = _("health checks")
        indexes = [
            # Per person (today's page, missing checks): always through the measure.
            models.Index(fields=["measure", "day", "slot"], name="control_check_measure_idx"),
            # Per reporting window (daily report): a range on the recording time that carries what
            # the report counts, so it is read from the index alone on PostgreSQL. Not on ``day``: a
            # day newer than the planner's statistics made it pick that index for per-person reads.
            models.Index(
                fields=["recorded_at"], include=["unit_path", "abnormal"], name="control_check_recorded_idx"
            ),
            # "Under measure without a check that day": a hash anti-join over one day's entries.
            models.Index(fields=["day", "measure"], name="control_check_day_measure_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.get_slot_display()} {self.temperature or ''}"


class Sample(ScopedModel):
    """A nucleic-acid test: scheduled from the rule, then sampled (barcode), then a result."""

    measure = models.ForeignKey(
        Measure, on_delete=models.PROTECT, null=True, blank=True, related_name="samples"
    )
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="samples")
    unit_path = models.CharField(_("unit path"), max_length=24)
    grid = _grid_fk()
    day_number = models.PositiveSmallIntegerField(_("day"), null=True, blank=True)
    due_date = models.DateField(_("due"))
    status = models.CharField(
        _("status"), max_length=12, choices=SampleStatus.choices, default=SampleStatus.SCHEDULED
    )
    barcode = models.CharField(_("tube barcode"), max_length=40, null=True, blank=True)
    sampled_at = models.DateTimeField(_("sampled"), null=True, blank=True)
    sampled_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    sampler_name = models.CharField(_("sampler"), max_length=60, blank=True)
    sample_site = models.CharField(_("sampling place"), max_length=100, blank=True)
    pool_size = models.PositiveSmallIntegerField(_("pooled (n-in-1)"), default=1)
    result_at = models.DateTimeField(_("result time"), null=True, blank=True)
    result_source = models.CharField(_("result from"), max_length=20, blank=True)
    lab = models.CharField(_("laboratory"), max_length=100, blank=True)
    version = models.PositiveIntegerField(default=1)

    objects = ScopedQuerySet.as_manager()

    audit_fields = (
        "measure_id",
        "person_id",
        "day_number",
        "due_date",
        "status",
        "barcode",
        "sampled_at",
        "sampler_name",
        "sample_site",
        "pool_size",
        "result_at",
        "result_source",
        "lab",
    )

    class Meta:
        verbose_name = _("test")
        verbose_name_plural = _("tests")
        constraints = [models.UniqueConstraint(fields=["barcode"], name="control_sample_barcode_unique")]
        indexes = [
            models.Index(fields=["unit_path", "status", "due_date"], name="control_sample_path_idx"),
            models.Index(fields=["status", "due_date"], name="control_sample_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.due_date} {self.get_status_display()}"

    @property
    def audit_person_id(self) -> int:
        return self.person_id


class SiteQuerySet(ScopedQuerySet["Site"]):
    def restrict(self, user: Any, action: str = "view") -> ScopedQuerySet[Site]:
        """A site is in scope by its place in the tree, and for its own manager."""
        by_tree = super().restrict(user, action)
        if action in ("view", "change") and getattr(user, "is_authenticated", False):
            return self.filter(Q(pk__in=by_tree.values("pk")) | Q(manager=user))
        return by_tree


class Site(ScopedModel):
    scope_grid_field = None

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("type"), max_length=20, choices=SiteKind.choices, default=SiteKind.HOTEL)
    address = models.CharField(_("address"), max_length=200)
    capacity = models.PositiveIntegerField(_("capacity"))
    manager = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    manager_name = models.CharField(_("manager"), max_length=60)
    medical_staff = models.CharField(_("medical staff"), max_length=200, blank=True)
    unit_path = models.CharField(_("unit path"), max_length=24)
    active = models.BooleanField(_("in use"), default=True)
    version = models.PositiveIntegerField(default=1)

    objects = SiteQuerySet.as_manager()

    audit_fields = (
        "name",
        "kind",
        "address",
        "capacity",
        "manager_id",
        "manager_name",
        "medical_staff",
        "active",
    )

    class Meta:
        verbose_name = _("quarantine site")
        verbose_name_plural = _("quarantine sites")

    def __str__(self) -> str:
        return self.name

    def managed_by(self, user: Any) -> bool:
        return self.manager_id is not None and self.manager_id == getattr(user, "pk", None)

    def in_scope(self, user: Any, action: str = "view") -> bool:
        if action in ("view", "change") and self.managed_by(user):
            return True
        return scope_for(user, action).covers_path(self.unit_path)


class Room(models.Model):
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="rooms")
    number = models.CharField(_("room"), max_length=20)
    floor = models.SmallIntegerField(_("floor"), default=1)
    status = models.CharField(_("status"), max_length=12, choices=RoomStatus.choices, default=RoomStatus.FREE)
    version = models.PositiveIntegerField(default=1)

    audit_fields = ("site_id", "number", "floor", "status")

    class Meta:
        verbose_name = _("room")
        verbose_name_plural = _("rooms")
        ordering = ["floor", "number"]
        constraints = [models.UniqueConstraint(fields=["site", "number"], name="control_room_number_unique")]

    def __str__(self) -> str:
        return f"{self.site.name} {self.number}"


class Stay(models.Model):
    """A person in a room for a centralised measure. One open stay per room and per measure: the
    database refuses a double booking even when two desks check in at the same moment."""

    measure = models.ForeignKey(Measure, on_delete=models.PROTECT, related_name="stays")
    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="stays")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    checked_in_at = models.DateTimeField(_("checked in"))
    checked_in_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, related_name="+")
    checked_out_at = models.DateTimeField(_("checked out"), null=True, blank=True)
    checked_out_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    audit_fields = ("measure_id", "room_id", "person_id", "checked_in_at", "checked_out_at", "note")

    class Meta:
        verbose_name = _("stay")
        verbose_name_plural = _("stays")
        constraints = [
            models.UniqueConstraint(
                fields=["room"], condition=Q(checked_out_at__isnull=True), name="control_stay_one_per_room"
            ),
            models.UniqueConstraint(
                fields=["measure"],
                condition=Q(checked_out_at__isnull=True),
                name="control_stay_one_per_measure",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.room} {self.checked_in_at:%Y-%m-%d}"

    @property
    def audit_person_id(self) -> int:
        return self.person_id


class Transfer(ScopedModel):
    """A closed-loop transfer order (闭环转运). Picked up and not handed over in time is an alarm."""

    number = models.CharField(_("order number"), max_length=40, unique=True)
    reason = models.CharField(_("reason"), max_length=20, choices=TransferReason.choices)
    from_place = models.CharField(_("from"), max_length=200)
    to_place = models.CharField(_("to"), max_length=200)
    to_site = models.ForeignKey(Site, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    scheduled_at = models.DateTimeField(_("scheduled pick-up"))
    picked_up_at = models.DateTimeField(_("picked up"), null=True, blank=True)
    handed_over_at = models.DateTimeField(_("handed over"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    vehicle_plate = models.CharField(_("vehicle plate"), max_length=20, blank=True)
    driver = models.CharField(_("driver"), max_length=60, blank=True)
    escort = models.CharField(_("escort"), max_length=60, blank=True)
    pickup_signed_by = models.CharField(_("signed at pick-up by"), max_length=60, blank=True)
    handover_signed_by = models.CharField(_("handed over by"), max_length=60, blank=True)
    handover_received_by = models.CharField(_("received by"), max_length=60, blank=True)
    disinfected_at = models.DateTimeField(_("vehicle disinfected"), null=True, blank=True)
    disinfected_by = models.CharField(_("disinfected by"), max_length=60, blank=True)
    state = models.CharField(
        _("state"), max_length=12, choices=TransferState.choices, default=TransferState.SCHEDULED
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(_("created"))
    unit_path = models.CharField(_("unit path"), max_length=24)
    grid = _grid_fk()
    version = models.PositiveIntegerField(default=1)

    objects = ScopedQuerySet.as_manager()

    audit_fields = (
        "number",
        "reason",
        "from_place",
        "to_place",
        "to_site_id",
        "scheduled_at",
        "picked_up_at",
        "handed_over_at",
        "closed_at",
        "vehicle_plate",
        "driver",
        "escort",
        "pickup_signed_by",
        "handover_signed_by",
        "handover_received_by",
        "disinfected_at",
        "disinfected_by",
        "state",
        "note",
    )

    class Meta:
        verbose_name = _("transfer order")
        verbose_name_plural = _("transfer orders")
        indexes = [
            models.Index(fields=["state", "picked_up_at"], name="control_transfer_state_idx"),
            models.Index(fields=["unit_path", "state"], name="control_transfer_path_idx"),
        ]

    def __str__(self) -> str:
        return self.number


class TransferPerson(models.Model):
    transfer = models.ForeignKey(Transfer, on_delete=models.CASCADE, related_name="carried")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    measure = models.ForeignKey(Measure, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    pickup_temperature = models.DecimalField(
        _("temperature at pick-up"), max_digits=3, decimal_places=1, null=True, blank=True
    )

    audit_fields = ("transfer_id", "person_id", "measure_id", "pickup_temperature")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["transfer", "person"], name="control_transfer_person_once")
        ]

    def __str__(self) -> str:
        return f"{self.transfer} #{self.person_id}"

    @property
    def audit_person_id(self) -> int:
        return self.person_id


class Alert(ScopedModel):
    """Something a person must act on now. ``key`` makes raising idempotent (a job run twice, a
    check submitted twice, raise one alert)."""

    kind = models.CharField(_("kind"), max_length=20, choices=AlertKind.choices)
    key = models.CharField(max_length=80, unique=True)
    measure = models.ForeignKey(
        Measure, on_delete=models.CASCADE, null=True, blank=True, related_name="alerts"
    )
    person = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    transfer = models.ForeignKey(Transfer, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    sample = models.ForeignKey(Sample, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    unit_path = models.CharField(_("unit path"), max_length=24)
    grid = _grid_fk()
    created_at = models.DateTimeField(_("raised"))
    message = models.CharField(_("message"), max_length=300)
    state = models.CharField(_("state"), max_length=14, choices=AlertState.choices, default=AlertState.OPEN)
    handled_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    handled_at = models.DateTimeField(_("handled"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    objects = ScopedQuerySet.as_manager()

    audit_fields = ("kind", "key", "measure_id", "person_id", "message", "state", "note")

    class Meta:
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        indexes = [models.Index(fields=["state", "unit_path", "created_at"], name="control_alert_open_idx")]

    def __str__(self) -> str:
        return self.message

    @property
    def audit_person_id(self) -> int | None:
        return self.person_id


class SelfReportLink(models.Model):
    """The person's own check-in link: bound to one measure, dead when the measure ends. The token
    is stored as a digest for lookup and sealed so the team can show the QR code again."""

    measure = models.OneToOneField(Measure, on_delete=models.CASCADE, related_name="self_report")
    digest = models.CharField(max_length=64, unique=True)
    token_sealed = models.TextField()
    created_at = models.DateTimeField(_("created"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    audit_fields = ("measure_id", "created_at", "revoked_at")

    def __str__(self) -> str:
        return f"self-report #{self.measure_id}"


class InboundArrival(ScopedModel):
    """Inbound from abroad: one liaison per person (专人对接) from the port to the last test."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="inbound_arrivals")
    nationality = models.CharField(_("nationality"), max_length=60, default="中国")
    entry_port = models.CharField(_("entry port"), max_length=60)
    entry_date = models.DateField(_("entry date"))
    flight = models.CharField(_("flight"), max_length=20, blank=True)
    countries_14d = models.CharField(_("countries in the last 14 days"), max_length=200, blank=True)
    first_entry_place = models.CharField(_("first-entry quarantine"), max_length=200, blank=True)
    first_entry_until = models.DateField(_("first-entry quarantine until"), null=True, blank=True)
    liaison = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    transfer = models.ForeignKey(Transfer, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    measure = models.ForeignKey(Measure, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    unit_path = models.CharField(_("unit path"), max_length=24)
    grid = _grid_fk()
    created_at = models.DateTimeField(_("registered"))

    objects = ScopedQuerySet.as_manager()

    audit_fields = (
        "person_id",
        "nationality",
        "entry_port",
        "entry_date",
        "flight",
        "countries_14d",
        "first_entry_place",
        "first_entry_until",
        "liaison_id",
        "transfer_id",
        "measure_id",
    )

    class Meta:
        verbose_name = _("inbound arrival")
        verbose_name_plural = _("inbound arrivals")

    def __str__(self) -> str:
        return f"{self.entry_port} {self.entry_date}"

    @property
    def audit_person_id(self) -> int:
        return self.person_id


class DocumentCounter(models.Model):
    """Sequence numbers of official documents per kind and year (release notices, transfer orders)."""

    kind = models.CharField(max_length=20)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "year"], name="control_counter_unique")]

    def __str__(self) -> str:
        return f"{self.kind} {self.year}: {self.last}"
