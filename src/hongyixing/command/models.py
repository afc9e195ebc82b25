"""The command centre (一办八组): working groups and duty, directives and their assignments, carpet
screening campaigns and their household visits."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from hongyixing.areas.choices import ancestor_paths
from hongyixing.areas.models import AdminUnit, Grid, Household
from hongyixing.command.choices import (
    CLOCK_STATES,
    AssignmentState,
    GroupKind,
    MemberRole,
    NoteKind,
    VisitOutcome,
)
from hongyixing.core.deadlines import DeadlineFields
from hongyixing.core.scope import ScopedModel, ScopedQuerySet, path_prefix_q, scope_for
from hongyixing.people.models import Person
from hongyixing.verification.models import VerificationTask


class UpwardQuerySet(ScopedQuerySet[Any]):
    """Command data a unit's staff read from above: viewing also shows rows of the units *above* the
    user's units and grids (the district's groups, duty roster and campaigns reach every town and grid).
    Every other action stays inside the scope."""

    def restrict(self, user: Any, action: str = "view") -> Any:
        scope = scope_for(user, action)
        if scope.is_empty:
            return self.none()
        if action != "view" or scope.everything:
            return self.filter(scope.as_q("unit_path", None))
        paths = list(scope.unit_paths)
        if scope.grid_ids:
            paths += list(Grid.objects.filter(pk__in=scope.grid_ids).values_list("unit_path", flat=True))
        condition = Q(pk__in=[])
        for path in paths:
            condition |= path_prefix_q("unit_path", path) | Q(unit_path__in=ancestor_paths(path))
        return self.filter(condition)


class WorkingGroup(ScopedModel):
    """The office or one of the working groups of a unit's command (editable data)."""

    scope_grid_field = None

    unit = models.ForeignKey(AdminUnit, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit"))
    unit_path = models.CharField(_("unit path"), max_length=24)
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=60)
    kind = models.CharField(_("kind"), max_length=10, choices=GroupKind.choices, default=GroupKind.GROUP)
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    duties = models.TextField(_("duties"), blank=True)
    lead_unit = models.CharField(_("lead unit"), max_length=100, blank=True)
    version = models.PositiveIntegerField(default=1)

    objects = UpwardQuerySet.as_manager()

    audit_fields = ("unit_id", "code", "name", "kind", "position", "duties", "lead_unit")

    class Meta:
        verbose_name = _("working group")
        verbose_name_plural = _("working groups")
        constraints = [models.UniqueConstraint(fields=["unit", "code"], name="command_group_code_unique")]
        indexes = [models.Index(fields=["unit_path", "position"], name="command_group_path_idx")]

    def __str__(self) -> str:
        return self.name


class GroupMember(models.Model):
    """A user in a group, with their post and a phone (sealed; shown masked)."""

    group = models.ForeignKey(WorkingGroup, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(_("role in the group"), max_length=20, choices=MemberRole.choices)
    post = models.CharField(_("post"), max_length=100, blank=True)
    phone_ciphertext = models.TextField(blank=True)
    phone_masked = models.CharField(_("phone"), max_length=20, blank=True)

    audit_fields = ("group_id", "user_id", "role", "post", "phone_masked")

    class Meta:
        verbose_name = _("group member")
        verbose_name_plural = _("group members")
        constraints = [models.UniqueConstraint(fields=["group", "user"], name="command_member_unique")]
        indexes = [models.Index(fields=["user", "group"], name="command_member_user_idx")]

    def __str__(self) -> str:
        return f"{self.group_id}:{self.user_id} {self.role}"

    @property
    def unit_path(self) -> str:
        group: Any = self.group
        return str(group.unit_path)


class DutyShift(ScopedModel):
    """One shift of the 24-hour duty roster of a unit (district or town), or of one of its groups."""

    scope_grid_field = None

    unit = models.ForeignKey(AdminUnit, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit"))
    unit_path = models.CharField(_("unit path"), max_length=24)
    group = models.ForeignKey(
        WorkingGroup, on_delete=models.CASCADE, null=True, blank=True, related_name="shifts"
    )
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"))
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("duty officer")
    )
    post = models.CharField(_("post"), max_length=60, blank=True)
    phone_ciphertext = models.TextField(blank=True)
    phone_masked = models.CharField(_("phone"), max_length=20, blank=True)

    objects = UpwardQuerySet.as_manager()

    audit_fields = ("unit_id", "group_id", "starts_at", "ends_at", "officer_id", "post", "phone_masked")

    class Meta:
        verbose_name = _("duty shift")
        verbose_name_plural = _("duty roster")
        indexes = [
            models.Index(fields=["unit_path", "starts_at"], name="command_shift_path_idx"),
            models.Index(fields=["starts_at", "ends_at"], name="command_shift_time_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="command_shift_order")
        ]

    def __str__(self) -> str:
        return f"{self.officer} {self.starts_at:%Y-%m-%d %H:%M}"


class Directive(ScopedModel):
    """An order of a command (发布指令): numbered, with content, deadline and the feedback it needs.

    Scoped by the issuing unit: the issuer's side sees it; each target sees its own assignment."""

    scope_grid_field = None

    unit = models.ForeignKey(
        AdminUnit, on_delete=models.PROTECT, related_name="+", verbose_name=_("issuing unit")
    )
    unit_path = models.CharField(_("unit path"), max_length=24)
    group = models.ForeignKey(
        WorkingGroup,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="directives",
        verbose_name=_("issuing group"),
    )
    issuer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("issued by")
    )
    prefix = models.CharField(_("number prefix"), max_length=12)
    year = models.PositiveSmallIntegerField(_("year"))
    sequence = models.PositiveIntegerField(_("sequence"))
    number = models.CharField(_("number"), max_length=40, unique=True)
    title = models.CharField(_("title"), max_length=200)
    content = models.TextField(_("content"))
    issued_at = models.DateTimeField(_("issued"))
    deadline = models.DateTimeField(_("deadline"))
    feedback_text = models.BooleanField(_("a written report is required"), default=True)
    feedback_file = models.BooleanField(_("a file is required"), default=False)
    # [{"key": "q1", "label": "…", "kind": "number"}]: figures / form fields every unit reports.
    feedback_fields = models.JSONField(_("figures and fields to report"), default=list, blank=True)
    version = models.PositiveIntegerField(default=1)

    objects = ScopedQuerySet.as_manager()

    audit_fields = (
        "number",
        "unit_id",
        "group_id",
        "issuer_id",
        "title",
        "content",
        "deadline",
        "feedback_text",
        "feedback_file",
        "feedback_fields",
    )

    class Meta:
        verbose_name = _("directive")
        verbose_name_plural = _("directives")
        constraints = [
            models.UniqueConstraint(
                fields=["prefix", "year", "sequence"], name="command_directive_seq_unique"
            )
        ]
        indexes = [models.Index(fields=["unit_path", "issued_at"], name="command_directive_path_idx")]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class DirectiveAttachment(models.Model):
    directive = models.ForeignKey(Directive, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to="directives/%Y/%m/")
    name = models.CharField(_("name"), max_length=200)
    size = models.PositiveIntegerField(_("size"), default=0)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded"))

    audit_fields = ("directive_id", "name", "size")

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.name

    @property
    def unit_path(self) -> str:
        directive: Any = self.directive
        return str(directive.unit_path)


class AssignmentQuerySet(ScopedQuerySet["Assignment"]):
    def restrict(self, user: Any, action: str = "view") -> AssignmentQuerySet:
        """The tree scope of the target, plus (view/change) the members of a target group."""
        scope = scope_for(user, action)
        if scope.everything:
            return self.all()
        condition = scope.as_q("unit_path", None) if not scope.is_empty else Q(pk__in=[])
        if action in ("view", "change") and getattr(user, "is_authenticated", False):
            # A subquery, not a join: a join on members would repeat each row once per member.
            condition |= Q(group_id__in=GroupMember.objects.filter(user_id=user.pk).values("group_id"))
        return self.filter(condition)


class Assignment(DeadlineFields, ScopedModel):
    """A directive's share for one target unit or group (分解到单位), tracked to acceptance."""

    scope_grid_field = None

    directive = models.ForeignKey(Directive, on_delete=models.PROTECT, related_name="assignments")
    unit = models.ForeignKey(
        AdminUnit, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("unit")
    )
    group = models.ForeignKey(
        WorkingGroup,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assignments",
        verbose_name=_("working group"),
    )
    # The target unit's path; a group's assignment carries its command's unit path.
    unit_path = models.CharField(_("unit path"), max_length=24)
    target_name = models.CharField(_("target"), max_length=100)
    state = models.CharField(
        _("state"), max_length=14, choices=AssignmentState.choices, default=AssignmentState.ISSUED
    )
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    objects = AssignmentQuerySet.as_manager()

    audit_fields = (
        "directive_id",
        "unit_id",
        "group_id",
        "state",
        "deadline",
        "escalation",
        "acknowledged_at",
        "acknowledged_by_id",
        "completed_at",
        "accepted_at",
        "accepted_by_id",
    )

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        constraints = [
            models.CheckConstraint(
                condition=Q(unit__isnull=False) | Q(group__isnull=False), name="command_assignment_target"
            ),
            models.UniqueConstraint(
                fields=["directive", "unit"], condition=Q(unit__isnull=False), name="command_assignment_unit"
            ),
            models.UniqueConstraint(
                fields=["directive", "group"],
                condition=Q(group__isnull=False),
                name="command_assignment_group",
            ),
        ]
        indexes = [
            models.Index(fields=["unit_path", "state"], name="command_assignment_path_idx"),
            models.Index(fields=["state", "escalation", "deadline"], name="command_assignment_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.target_name} ({self.get_state_display()})"

    @property
    def clock_running(self) -> bool:
        return self.state in CLOCK_STATES


class AssignmentNote(models.Model):
    """Progress notes, the completion report with its evidence, and the issuer's return/acceptance."""

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="notes")
    kind = models.CharField(_("kind"), max_length=12, choices=NoteKind.choices)
    # Set by the field/API client: a retried report is recognised, never stored twice.
    client_id = models.CharField(_("client id"), max_length=64, null=True, blank=True, unique=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("time"))
    text = models.TextField(_("text"), blank=True)
    figures = models.JSONField(_("figures"), default=dict, blank=True)
    file = models.FileField(_("file"), upload_to="directives/evidence/%Y/%m/", null=True, blank=True)

    audit_fields = ("assignment_id", "kind", "client_id", "text", "figures")

    class Meta:
        verbose_name = _("assignment note")
        verbose_name_plural = _("assignment notes")
        indexes = [models.Index(fields=["assignment", "created_at"], name="command_note_assignment_idx")]

    def __str__(self) -> str:
        return f"{self.assignment_id} {self.kind}"

    @property
    def unit_path(self) -> str:
        assignment: Any = self.assignment
        return str(assignment.unit_path)


class Campaign(ScopedModel):
    """A carpet screening (地毯式排查) of a unit's subtree: every household visited, no dead corners."""

    scope_grid_field = None

    unit = models.ForeignKey(AdminUnit, on_delete=models.PROTECT, related_name="+", verbose_name=_("scope"))
    unit_path = models.CharField(_("unit path"), max_length=24)
    title = models.CharField(_("title"), max_length=200)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))
    # [{"key": "q1", "label": "…", "kind": "yesno" | "number" | "text"}]
    checklist = models.JSONField(_("checklist"), default=list)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created"))
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    objects = UpwardQuerySet.as_manager()

    audit_fields = ("unit_id", "title", "starts_on", "ends_on", "checklist", "closed_at")

    class Meta:
        verbose_name = _("screening campaign")
        verbose_name_plural = _("screening campaigns")
        indexes = [models.Index(fields=["unit_path", "starts_on"], name="command_campaign_path_idx")]

    def __str__(self) -> str:
        return self.title


class Visit(ScopedModel):
    """One knock on one door during a campaign. ``client_id`` makes a retried submission a no-op."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="visits")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="+", db_index=False)
    unit_path = models.CharField(_("unit path"), max_length=24)
    grid = models.ForeignKey(Grid, on_delete=models.PROTECT, related_name="+", db_index=False)
    outcome = models.CharField(_("outcome"), max_length=12, choices=VisitOutcome.choices)
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    findings = models.CharField(_("findings"), max_length=500, blank=True)
    client_id = models.CharField(_("client id"), max_length=64, unique=True)
    visited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    visited_at = models.DateTimeField(_("visited"))
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("person")
    )
    task = models.ForeignKey(
        VerificationTask, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False
    )
    measure = models.ForeignKey(
        "control.Measure", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False
    )

    objects = ScopedQuerySet.as_manager()

    audit_fields = (
        "campaign_id",
        "household_id",
        "grid_id",
        "outcome",
        "answers",
        "findings",
        "client_id",
        "person_id",
        "task_id",
        "measure_id",
    )

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        indexes = [
            models.Index(fields=["campaign", "outcome", "unit_path"], name="command_visit_cover_idx"),
            models.Index(fields=["campaign", "household"], name="command_visit_household_idx"),
            models.Index(fields=["campaign", "grid", "outcome"], name="command_visit_grid_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}:{self.household_id} {self.outcome}"

    @property
    def audit_person_id(self) -> int | None:
        return self.person_id
