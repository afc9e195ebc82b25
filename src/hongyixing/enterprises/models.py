"""Enterprises and their resumption (复工复产): filings, inspections, returning staff, subsidy claims
and reported problems. Every row is placed in the tree by its enterprise's town or park; an
enterprise's own contacts see their enterprise's rows and nothing else (see :class:`EnterpriseScoped`).
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from hongyixing.core.scope import ScopedModel, ScopedQuerySet, scope_for
from hongyixing.enterprises.choices import (
    ClaimKind,
    ClaimState,
    Department,
    FilingState,
    Industry,
    ProblemCategory,
    ProblemState,
)

USER = settings.AUTH_USER_MODEL
# Contacts may look at and work on their own enterprise's rows; never reveal or export.
CONTACT_ACTIONS = ("view", "change")


def contact_enterprise_ids(user: Any) -> list[int]:
    """The enterprises the user is a contact of (cached on the user object for the request)."""
    if not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, "_hongyixing_enterprise_ids", None)
    if cached is None:
        cached = list(EnterpriseContact.objects.filter(user=user).values_list("enterprise_id", flat=True))
        user._hongyixing_enterprise_ids = cached
    return cached


class EnterpriseScopedQuerySet(ScopedQuerySet[Any]):
    def restrict(self, user: Any, action: str = "view") -> Any:
        """In scope by the enterprise's town or park, and for the enterprise's own contacts."""
        by_tree = super().restrict(user, action)
        own = contact_enterprise_ids(user) if action in CONTACT_ACTIONS else []
        if not own:
            return by_tree
        field = self.model.enterprise_field
        return self.filter(Q(pk__in=by_tree.values("pk")) | Q(**{f"{field}__in": own}))


class EnterpriseScoped(ScopedModel):
    scope_grid_field: ClassVar[str | None] = None
    enterprise_field: ClassVar[str] = "enterprise_id"

    class Meta:
        abstract = True

    def in_scope(self, user: Any, action: str = "view") -> bool:
        if action in CONTACT_ACTIONS and getattr(self, self.enterprise_field) in contact_enterprise_ids(user):
            return True
        return scope_for(user, action).covers_path(getattr(self, self.scope_path_field))


class Enterprise(EnterpriseScoped):
    enterprise_field: ClassVar[str] = "id"

    name = models.CharField(_("name"), max_length=120)
    credit_code = models.CharField(_("unified social credit code"), max_length=18, unique=True)
    unit_path = models.CharField(_("town or park"), max_length=24, db_index=True)
    industry = models.CharField(_("industry"), max_length=20, choices=Industry.choices)
    above_scale = models.BooleanField(_("above designated size"), default=False)
    address = models.CharField(_("address"), max_length=200, blank=True)
    legal_representative = models.CharField(_("legal representative"), max_length=60, blank=True)
    staff_count = models.PositiveIntegerField(_("staff"), default=0)
    resumed_on = models.DateField(_("resumed on"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = EnterpriseScopedQuerySet.as_manager()

    audit_fields = (
        "name",
        "credit_code",
        "unit_path",
        "industry",
        "above_scale",
        "address",
        "legal_representative",
        "staff_count",
        "resumed_on",
    )

    class Meta:
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")
        indexes = [models.Index(fields=["unit_path", "industry"], name="ent_enterprise_place_idx")]

    def __str__(self) -> str:
        return self.name


class EnterpriseContact(models.Model):
    """A user who acts for one enterprise (the ``enterprise`` role, scoped to it, not to the tree)."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="contacts")
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="enterprise_contacts")
    created_at = models.DateTimeField(auto_now_add=True)

    audit_fields = ("enterprise_id", "user_id")

    class Meta:
        verbose_name = _("enterprise contact")
        verbose_name_plural = _("enterprise contacts")
        constraints = [models.UniqueConstraint(fields=["enterprise", "user"], name="ent_contact_unique")]

    def __str__(self) -> str:
        return f"{self.user} → {self.enterprise}"


class Filing(EnterpriseScoped):
    """A resumption filing (复工备案): the prevention plan, its review and the resumption date."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="filings")
    unit_path = models.CharField(_("town or park"), max_length=24)
    state = models.CharField(
        _("state"), max_length=20, choices=FilingState.choices, default=FilingState.DRAFT
    )
    checklist = models.JSONField(_("checklist"), default=dict)
    plan_note = models.TextField(_("prevention plan"), blank=True)
    staff_planned = models.PositiveIntegerField(_("staff returning"), default=0)
    planned_date = models.DateField(_("planned resumption"), null=True, blank=True)
    resumption_date = models.DateField(_("resumption date"), null=True, blank=True)
    return_reason = models.CharField(_("reason returned"), max_length=300, blank=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    version = models.PositiveIntegerField(default=1)

    objects = EnterpriseScopedQuerySet.as_manager()

    audit_fields = (
        "state",
        "checklist",
        "plan_note",
        "staff_planned",
        "planned_date",
        "resumption_date",
        "return_reason",
        "decided_by_id",
    )

    class Meta:
        verbose_name = _("resumption filing")
        verbose_name_plural = _("resumption filings")
        indexes = [models.Index(fields=["unit_path", "state"], name="ent_filing_place_idx")]

    def __str__(self) -> str:
        return f"{self.enterprise} {self.get_state_display()}"


class Inspection(EnterpriseScoped):
    """A spot check (抽查) of a filing at the site: findings, pass or not, photos."""

    filing = models.ForeignKey(Filing, on_delete=models.PROTECT, related_name="inspections")
    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="+")
    unit_path = models.CharField(_("town or park"), max_length=24)
    inspector = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    inspected_at = models.DateTimeField(_("inspected"))
    passed = models.BooleanField(_("passed"))
    findings = models.TextField(_("findings"), blank=True)
    failed_items = models.JSONField(_("items not met"), default=list)

    objects = EnterpriseScopedQuerySet.as_manager()

    audit_fields = ("filing_id", "inspector_id", "inspected_at", "passed", "findings", "failed_items")

    class Meta:
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")

    def __str__(self) -> str:
        return f"{self.enterprise} {self.inspected_at:%Y-%m-%d}"


class Attachment(EnterpriseScoped):
    """An uploaded file (plan, photo, ticket, contract, social-insurance proof), kept in the database."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="+")
    unit_path = models.CharField(_("town or park"), max_length=24)
    filing = models.ForeignKey(
        Filing, on_delete=models.CASCADE, null=True, blank=True, related_name="attachments"
    )
    inspection = models.ForeignKey(
        Inspection, on_delete=models.CASCADE, null=True, blank=True, related_name="photos"
    )
    claim = models.ForeignKey(
        "Claim", on_delete=models.CASCADE, null=True, blank=True, related_name="evidence"
    )
    kind = models.CharField(_("kind"), max_length=30)
    file_name = models.CharField(_("file"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    content = models.BinaryField()
    uploaded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    objects = EnterpriseScopedQuerySet.as_manager()

    audit_fields = ("kind", "file_name", "content_type", "size", "filing_id", "inspection_id", "claim_id")

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.file_name


class RiskOrigin(models.Model):
    """Rule data: a place of origin the command marks as risky from a date (matched by name prefix)."""

    place = models.CharField(_("place"), max_length=60)
    category = models.CharField(_("verification category"), max_length=40, default="general")
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    audit_fields = ("place", "category", "valid_from", "valid_to", "note")

    class Meta:
        verbose_name = _("risky place of origin")
        verbose_name_plural = _("risky places of origin")

    def __str__(self) -> str:
        return self.place


class Employee(EnterpriseScoped):
    """A returning member of staff, linked to the registry like a push-list row."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="employees")
    unit_path = models.CharField(_("town or park"), max_length=24)
    name = models.CharField(_("name"), max_length=60)
    id_ciphertext = models.TextField(blank=True)
    id_index = models.CharField(max_length=64, blank=True, db_index=True)
    id_masked = models.CharField(_("ID number"), max_length=24, blank=True)
    phone_ciphertext = models.TextField(blank=True)
    phone_masked = models.CharField(_("phone"), max_length=20, blank=True)
    origin = models.CharField(_("coming from"), max_length=100, blank=True)
    distance_km = models.PositiveIntegerField(_("distance (km)"), null=True, blank=True)
    planned_return = models.DateField(_("planned return"), null=True, blank=True)
    new_hire = models.BooleanField(_("new hire"), default=False)
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    link_reason = models.CharField(pgettext_lazy("registry match", "link"), max_length=120, blank=True)
    risky = models.BooleanField(_("from a risky place"), default=False)
    task = models.ForeignKey(
        "verification.VerificationTask", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = EnterpriseScopedQuerySet.as_manager()

    audit_fields = (
        "name",
        "id_masked",
        "phone_masked",
        "origin",
        "distance_km",
        "planned_return",
        "new_hire",
        "person_id",
        "risky",
        "task_id",
    )

    class Meta:
        verbose_name = _("returning employee")
        verbose_name_plural = _("returning employees")
        indexes = [models.Index(fields=["enterprise", "name"], name="ent_employee_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "id_index"],
                condition=~Q(id_index=""),
                name="ent_employee_once_per_enterprise",
            )
        ]

    def __str__(self) -> str:
        return self.name


class SubsidyRule(models.Model):
    """Rule data for one kind of claim, effective-dated: a claim pins the version in force on its date.

    ``bands``: ``[{"max_km": 300, "amount": 100}, …]`` (transport, by distance; the last band may omit
    ``max_km``); ``per_person``: a fixed sum per named person (hiring, referral); ``charter_share`` and
    ``charter_cap`` for chartered buses; ``steps``: the review chain after the town, as departments.
    """

    kind = models.CharField(_("kind"), max_length=20, choices=ClaimKind.choices)
    name = models.CharField(_("name"), max_length=80)
    bands = models.JSONField(_("distance bands"), default=list, blank=True)
    per_person = models.DecimalField(_("per person"), max_digits=10, decimal_places=2, default=0)
    charter_share = models.DecimalField(_("share of charter cost"), max_digits=4, decimal_places=3, default=0)
    charter_cap = models.DecimalField(_("cap per bus"), max_digits=10, decimal_places=2, default=0)
    steps = models.JSONField(_("review chain"), default=list, blank=True)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    audit_fields = (
        "kind",
        "name",
        "bands",
        "per_person",
        "charter_share",
        "charter_cap",
        "steps",
        "valid_from",
        "valid_to",
    )

    class Meta:
        verbose_name = _("subsidy rule")
        verbose_name_plural = _("subsidy rules")
        indexes = [models.Index(fields=["kind", "valid_from"], name="ent_rule_kind_idx")]

    def __str__(self) -> str:
        return self.name


class PaymentBatch(models.Model):
    """Approved claims sent to the bank together; the paid date is recorded when the bank confirms."""

    number = models.CharField(_("number"), max_length=30, unique=True)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created"))
    total = models.DecimalField(_("total"), max_digits=14, decimal_places=2, default=0)
    paid_on = models.DateField(_("paid on"), null=True, blank=True)

    audit_fields = ("number", "total", "paid_on")

    class Meta:
        verbose_name = _("payment batch")
        verbose_name_plural = _("payment batches")

    def __str__(self) -> str:
        return self.number


class Claim(EnterpriseScoped):
    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="claims")
    unit_path = models.CharField(_("town or park"), max_length=24)
    kind = models.CharField(_("kind"), max_length=20, choices=ClaimKind.choices)
    state = models.CharField(
        _("state"), max_length=20, choices=ClaimState.choices, default=ClaimState.SUBMITTED
    )
    rule = models.ForeignKey(SubsidyRule, on_delete=models.PROTECT, related_name="+")
    claim_date = models.DateField(_("claim date"))
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    charter_cost = models.DecimalField(
        _("charter cost"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    loan_amount = models.DecimalField(
        _("loan applied for"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    bank = models.CharField(_("bank"), max_length=80, blank=True)
    account_ciphertext = models.TextField(blank=True)
    account_masked = models.CharField(_("account"), max_length=40, blank=True)
    step = models.PositiveSmallIntegerField(_("review step"), default=0)
    return_reason = models.CharField(_("reason"), max_length=300, blank=True)
    payment_batch = models.ForeignKey(
        PaymentBatch, on_delete=models.PROTECT, null=True, blank=True, related_name="claims"
    )
    submitted_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(_("submitted"))
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    objects = EnterpriseScopedQuerySet.as_manager()

    audit_fields = (
        "kind",
        "state",
        "rule_id",
        "amount",
        "step",
        "return_reason",
        "payment_batch_id",
        "paid_on",
    )

    class Meta:
        verbose_name = _("subsidy claim")
        verbose_name_plural = _("subsidy claims")
        indexes = [models.Index(fields=["unit_path", "state"], name="ent_claim_place_idx")]

    def __str__(self) -> str:
        return f"{self.enterprise} {self.get_kind_display()} ¥{self.amount}"


class ClaimLine(models.Model):
    """One named person on a claim. ``id_index`` + ``kind`` is what the anti-duplicate check compares."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="lines")
    employee = models.ForeignKey(Employee, on_delete=models.PROTECT, related_name="claim_lines")
    kind = models.CharField(max_length=20, choices=ClaimKind.choices)
    id_index = models.CharField(max_length=64)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    holding = models.BooleanField(default=True)  # false once the claim is rejected or returned

    class Meta:
        indexes = [models.Index(fields=["kind", "id_index"], name="ent_claimline_dup_idx")]
        # The database's own guarantee behind the anti-duplicate check: one holding claim per ID and kind.
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "id_index"], condition=Q(holding=True), name="ent_claimline_once_per_kind"
            )
        ]

    def __str__(self) -> str:
        return f"{self.claim_id}:{self.employee_id}"


class ClaimDecision(models.Model):
    """One step of the review chain: who decided what, at which department, and why."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="decisions")
    step = models.PositiveSmallIntegerField()
    department = models.CharField(_("department"), max_length=20, choices=Department.choices)
    decision = models.CharField(_("decision"), max_length=20)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    decided_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("decided"))

    audit_fields = ("claim_id", "step", "department", "decision", "reason")

    class Meta:
        verbose_name = _("claim decision")
        verbose_name_plural = _("claim decisions")

    def __str__(self) -> str:
        return f"{self.claim_id} {self.department} {self.decision}"


class Problem(EnterpriseScoped):
    """A difficulty an enterprise reports ("六个一" service): assigned, tracked to done, supervised."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="problems")
    unit_path = models.CharField(_("town or park"), max_length=24)
    category = models.CharField(_("kind"), max_length=20, choices=ProblemCategory.choices)
    description = models.TextField(_("description"))
    state = models.CharField(
        _("state"), max_length=20, choices=ProblemState.choices, default=ProblemState.OPEN
    )
    department = models.CharField(_("department"), max_length=20, choices=Department.choices, blank=True)
    leader = models.CharField(_("responsible leader"), max_length=60, blank=True)
    # Plain deadline fields: the escalation engine reads ``deadline`` and writes ``escalation``.
    deadline = models.DateTimeField(_("deadline"), null=True, blank=True)
    escalation = models.PositiveSmallIntegerField(default=0)
    resolution = models.TextField(_("resolution"), blank=True)
    reported_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    reported_at = models.DateTimeField(pgettext_lazy("enterprise problem", "reported"))
    done_at = models.DateTimeField(_("solved"), null=True, blank=True)

    objects = EnterpriseScopedQuerySet.as_manager()

    audit_fields = (
        "category",
        "state",
        "department",
        "leader",
        "deadline",
        "escalation",
        "resolution",
        "done_at",
    )

    class Meta:
        verbose_name = _("enterprise problem")
        verbose_name_plural = _("enterprise problems")
        indexes = [models.Index(fields=["state", "deadline"], name="ent_problem_due_idx")]

    def __str__(self) -> str:
        return f"{self.enterprise}: {self.get_category_display()}"
