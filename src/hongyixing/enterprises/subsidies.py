"""Subsidy claims (返岗交通补贴, 招工奖励, 介绍奖励) and 复工贷 guarantee applications.

Amounts come from :class:`SubsidyRule` rows in force on the claim date (editable data, never
constants). A named person may be claimed once per kind across every enterprise: the check is one
set-based query, and a partial unique index on the holding claim lines guarantees it under races.
Review chain: the town first, then the departments the rule lists; each decision is recorded.
"""

from __future__ import annotations

import datetime as dt
import io
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hongyixing.accounts.choices import Role
from hongyixing.accounts.permissions import roles_of
from hongyixing.core import audit
from hongyixing.core.crypto import seal
from hongyixing.core.errors import DomainError, NotFound
from hongyixing.core.masking import mask_id_number
from hongyixing.core.scope import scope_for
from hongyixing.enterprises.choices import PER_PERSON_KINDS, ClaimKind, ClaimState, Department
from hongyixing.enterprises.models import (
    Claim,
    ClaimDecision,
    ClaimLine,
    Employee,
    Enterprise,
    PaymentBatch,
    SubsidyRule,
)
from hongyixing.enterprises.services import _attach, is_contact, is_reviewer

CENT = Decimal("0.01")
# Departmental steps are taken at district level (the departments sit in the district office).
DEPARTMENT_ROLES = frozenset({Role.DISTRICT_OFFICE})


def rule_in_force(kind: str, on: dt.date) -> SubsidyRule:
    rule = (
        SubsidyRule.objects.filter(kind=kind, valid_from__lte=on)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
        .order_by("-valid_from", "-id")
        .first()
    )
    if rule is None:
        raise DomainError("claim.no_rule", _("No subsidy rule of this kind is in force on that date."))
    return rule


@transaction.atomic
def do_supersede_rule(actor: Any, kind: str, valid_from: dt.date, **values: Any) -> SubsidyRule:
    """A new version of a kind's rule from ``valid_from``; the version in force then ends the day before.

    Claims already made keep the version they pinned. Only the district office changes policy."""
    _require_payer(actor)
    if kind not in ClaimKind.values:
        raise DomainError("rule.bad_kind", _("Choose what is claimed."), "kind")
    current = (
        SubsidyRule.objects.select_for_update()
        .filter(kind=kind, valid_from__lt=valid_from)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=valid_from))
        .order_by("-valid_from")
        .first()
    )
    if current is not None:
        before = audit.snapshot(current)
        current.valid_to = valid_from - dt.timedelta(days=1)
        current.save(update_fields=["valid_to"])
        audit.log_update(actor, current, before)
    base = {
        "name": current.name if current else str(ClaimKind(kind).label),
        "bands": current.bands if current else [],
        "per_person": current.per_person if current else Decimal(0),
        "charter_share": current.charter_share if current else Decimal(0),
        "charter_cap": current.charter_cap if current else Decimal(0),
        "steps": current.steps if current else [],
    }
    unknown = set(values) - set(base) - {"note"}
    if unknown:
        raise DomainError("rule.bad_field", _("The rule has an unknown setting."))
    rule = SubsidyRule.objects.create(kind=kind, valid_from=valid_from, **{**base, **values})
    audit.log_create(actor, rule)
    audit.emit("subsidy_rule.superseded", rule, actor, data={"kind": kind, "from": valid_from.isoformat()})
    return rule


def band_amount(rule: SubsidyRule, distance_km: int | None) -> Decimal:
    """The transport band for a distance: the first band whose ``max_km`` covers it (bands ascending)."""
    if distance_km is None:
        return Decimal(0)
    for band in sorted(rule.bands, key=lambda b: b.get("max_km") or 10**9):
        top = band.get("max_km")
        if top is None or distance_km <= int(top):
            return Decimal(str(band["amount"])).quantize(CENT)
    return Decimal(0)


def line_amounts(
    rule: SubsidyRule, employees: Sequence[Employee], charter_cost: Decimal | None
) -> list[Decimal]:
    """Per-person amounts under the rule; a chartered bus shares its capped sum evenly."""
    if rule.kind == ClaimKind.TRANSPORT:
        return [band_amount(rule, e.distance_km) for e in employees]
    if rule.kind == ClaimKind.CHARTER:
        if charter_cost is None or charter_cost <= 0:
            raise DomainError("claim.no_cost", _("Enter the cost of the chartered bus."), "charter_cost")
        total = (charter_cost * rule.charter_share).quantize(CENT, ROUND_HALF_UP)
        if rule.charter_cap:
            total = min(total, rule.charter_cap)
        if not employees:
            return []
        share = (total / len(employees)).quantize(CENT, ROUND_HALF_UP)
        amounts = [share] * len(employees)
        amounts[-1] = total - share * (len(employees) - 1)  # the cents land on the last line
        return amounts
    return [rule.per_person.quantize(CENT) for _e in employees]


def duplicates(kind: str, id_indexes: Sequence[str]) -> dict[str, tuple[str, str]]:
    """ID index → (enterprise name, masked ID) of every holding claim of this kind already naming it."""
    found: dict[str, tuple[str, str]] = {}
    wanted = sorted(set(id_indexes))
    for start in range(0, len(wanted), 2000):
        rows = ClaimLine.objects.filter(kind=kind, holding=True, id_index__in=wanted[start : start + 2000])
        for index, enterprise, masked in rows.values_list(
            "id_index", "claim__enterprise__name", "employee__id_masked"
        ):
            found[index] = (enterprise, masked)
    return found


def _refuse_duplicates(kind: str, found: dict[str, tuple[str, str]]) -> None:
    shown = "；".join(f"{masked}（{enterprise}）" for enterprise, masked in list(found.values())[:10])
    raise DomainError(
        "claim.duplicate",
        _("%(n)d of these people are already claimed for this subsidy: %(who)s. Remove them and claim again.")
        % {"n": len(found), "who": shown},
        "employees",
        errors=[{"masked": m, "enterprise": e} for e, m in found.values()],
    )


@dataclass
class ClaimInput:
    kind: str
    employee_ids: list[int]
    claim_date: dt.date | None = None
    charter_cost: Decimal | None = None
    loan_amount: Decimal | None = None
    bank: str = ""
    account: str = ""


@transaction.atomic
def do_submit_claim(
    actor: Any, enterprise: Enterprise, data: ClaimInput, evidence: Sequence[tuple[str, str, bytes]] = ()
) -> Claim:
    if not (is_contact(actor, enterprise.pk) or is_reviewer(actor, enterprise.unit_path)):
        raise NotFound()
    if data.kind not in ClaimKind.values:
        raise DomainError("claim.bad_kind", _("Choose what is claimed."), "kind")
    on = data.claim_date or timezone.localdate()
    rule = rule_in_force(data.kind, on)
    employees = list(
        Employee.objects.filter(enterprise=enterprise, pk__in=set(data.employee_ids)).order_by("pk")
    )
    if data.kind in PER_PERSON_KINDS:
        if not employees or len(employees) != len(set(data.employee_ids)):
            raise DomainError("claim.no_people", _("Choose the employees this claim is for."), "employees")
        if data.kind == ClaimKind.HIRING and any(not e.new_hire for e in employees):
            raise DomainError("claim.not_new", _("A hiring reward is only for new hires."), "employees")
        if data.kind == ClaimKind.TRANSPORT and any(e.distance_km is None for e in employees):
            raise DomainError(
                "claim.no_distance",
                _("The transport subsidy needs each employee's travel distance."),
                "employees",
            )
        found = duplicates(data.kind, [e.id_index for e in employees])
        if found:
            _refuse_duplicates(data.kind, found)
        amounts = line_amounts(rule, employees, data.charter_cost)
        amount = sum(amounts, Decimal(0))
    else:
        if data.loan_amount is None or data.loan_amount <= 0:
            raise DomainError("claim.no_loan", _("Enter the loan amount applied for."), "loan_amount")
        amounts, amount = [], data.loan_amount.quantize(CENT)
    account = "".join(data.account.split())
    claim = Claim.objects.create(
        enterprise=enterprise,
        unit_path=enterprise.unit_path,
        kind=data.kind,
        rule=rule,
        claim_date=on,
        amount=amount,
        charter_cost=data.charter_cost,
        loan_amount=data.loan_amount,
        bank=data.bank.strip()[:80],
        account_ciphertext=seal(account) if account else "",
        account_masked=mask_id_number(account) if account else "",
        submitted_by=actor,
        submitted_at=timezone.now(),
    )
    lines = [
        ClaimLine(claim=claim, employee=e, kind=data.kind, id_index=e.id_index, amount=a)
        for e, a in zip(employees, amounts, strict=True)
    ]
    try:
        with transaction.atomic():
            ClaimLine.objects.bulk_create(lines)
    except IntegrityError:
        # Another claim named one of them in the meantime: say who, as the check above would have.
        _refuse_duplicates(
            data.kind, duplicates(data.kind, [e.id_index for e in employees]) or {"": ("", "")}
        )
    audit.log_create(actor, claim)
    for name, content_type, content in evidence:
        _attach(
            actor, enterprise.pk, enterprise.unit_path, "evidence", name, content_type, content, claim=claim
        )
    audit.emit(
        "claim.submitted", claim, actor, data={"kind": data.kind, "amount": str(amount), "people": len(lines)}
    )
    return claim


def review_chain(claim: Claim) -> list[str]:
    """The departments that decide, in order: the town first, then the rule's steps."""
    steps = [s for s in claim.rule.steps if s in Department.values and s != Department.TOWN]
    return [Department.TOWN, *steps]


def may_review(user: Any, claim: Claim) -> bool:
    if claim.state not in (ClaimState.SUBMITTED, ClaimState.IN_REVIEW):
        return False
    if getattr(user, "is_superuser", False):
        return True
    if claim.step == 0:
        return is_reviewer(user, claim.unit_path)
    return bool(roles_of(user) & DEPARTMENT_ROLES) and scope_for(user, "change").covers_path(claim.unit_path)


DECISIONS = ("approve", "return", "reject")


@transaction.atomic
def do_review_claim(actor: Any, claim: Claim, decision: str, reason: str = "") -> Claim:
    locked = Claim.objects.select_for_update().select_related("rule").filter(pk=claim.pk).first()
    if locked is None or not locked.in_scope(actor, "view"):
        raise NotFound()
    if decision not in DECISIONS:
        raise DomainError("claim.bad_decision", _("Choose approve, return or reject."))
    if not may_review(actor, locked):
        if locked.state not in (ClaimState.SUBMITTED, ClaimState.IN_REVIEW):
            raise DomainError("claim.bad_state", _("This claim is no longer under review."))
        raise DomainError("claim.not_allowed", _("This step of the review is not yours to take."))
    reason = reason.strip()
    if decision != "approve" and not reason:
        raise DomainError("claim.no_reason", _("Say why."), "reason")
    chain = review_chain(locked)
    before = audit.snapshot(locked)
    decided = ClaimDecision.objects.create(
        claim=locked,
        step=locked.step,
        department=chain[locked.step],
        decision=decision,
        reason=reason[:300],
        decided_by=actor,
        decided_at=timezone.now(),
    )
    audit.log_create(actor, decided)
    if decision == "approve":
        locked.step += 1
        locked.state = ClaimState.APPROVED if locked.step >= len(chain) else ClaimState.IN_REVIEW
    else:
        locked.state = ClaimState.RETURNED if decision == "return" else ClaimState.REJECTED
        locked.return_reason = reason[:300]
        # A returned or rejected claim no longer holds its people: they may be claimed again.
        locked.lines.update(holding=False)
    locked.version += 1
    locked.save()
    audit.log_update(actor, locked, before)
    audit.emit(
        f"claim.{decision}", locked, actor, data={"step": decided.step, "department": decided.department}
    )
    return locked


def _require_payer(actor: Any) -> None:
    if not (getattr(actor, "is_superuser", False) or roles_of(actor) & DEPARTMENT_ROLES):
        raise DomainError("payment.not_allowed", _("Only the district's finance desk makes payment batches."))


@transaction.atomic
def do_create_payment_batch(actor: Any, claim_ids: Sequence[int]) -> PaymentBatch:
    _require_payer(actor)
    claims = list(
        Claim.objects.restrict(actor, "change")
        .select_for_update()
        .filter(pk__in=claim_ids, state=ClaimState.APPROVED)
    )
    if not claims or len(claims) != len(set(claim_ids)):
        raise DomainError("payment.not_approved", _("Only approved claims in your area can be paid."))
    now = timezone.now()
    # Numbered by its row: unique however many batches are made in the same second.
    batch = PaymentBatch.objects.create(
        number=uuid.uuid4().hex[:30],
        created_by=actor,
        created_at=now,
        total=sum((c.amount for c in claims), Decimal(0)),
    )
    batch.number = f"PAY{timezone.localtime(now):%Y%m%d}-{batch.pk:06d}"
    batch.save(update_fields=["number"])
    audit.log_create(actor, batch)
    for claim in claims:
        before = audit.snapshot(claim)
        claim.state, claim.payment_batch = ClaimState.IN_BATCH, batch
        claim.save(update_fields=["state", "payment_batch"])
        audit.log_update(actor, claim, before)
    audit.emit("payment.batch_created", batch, actor, data={"claims": len(claims), "total": str(batch.total)})
    return batch


@transaction.atomic
def do_record_paid(actor: Any, batch: PaymentBatch, paid_on: dt.date | None) -> PaymentBatch:
    _require_payer(actor)
    if paid_on is None:
        raise DomainError("payment.no_date", _("Enter the date the bank paid."), "paid_on")
    locked = PaymentBatch.objects.select_for_update().get(pk=batch.pk)
    if locked.paid_on is not None:
        raise DomainError("payment.already_paid", _("This batch is already recorded as paid."))
    before = audit.snapshot(locked)
    locked.paid_on = paid_on
    locked.save(update_fields=["paid_on"])
    audit.log_update(actor, locked, before)
    for claim in locked.claims.select_for_update():
        claim_before = audit.snapshot(claim)
        claim.state, claim.paid_on = ClaimState.PAID, paid_on
        claim.save(update_fields=["state", "paid_on"])
        audit.log_update(actor, claim, claim_before)
    audit.emit("payment.paid", locked, actor, data={"paid_on": paid_on.isoformat()})
    return locked


def export_batch(actor: Any, batch: PaymentBatch) -> bytes:
    """The bank's xlsx: one row per claim; account numbers in full only for a user who may reveal."""
    from hongyixing.core.crypto import unseal
    from hongyixing.exchange.tabular import write_xlsx

    _require_payer(actor)
    claims = list(batch.claims.select_related("enterprise").order_by("pk"))
    reveal = all(c.in_scope(actor, "reveal") for c in claims)
    rows = [
        [
            c.enterprise.name,
            c.enterprise.credit_code,
            str(c.get_kind_display()),
            c.bank,
            unseal(c.account_ciphertext) if reveal and c.account_ciphertext else c.account_masked,
            f"{c.amount:.2f}",
        ]
        for c in claims
    ]
    if reveal:
        audit.log_pii_access(
            actor,
            "export",
            "bank_account",
            str(_("Payment batch for the bank")),
            detail={"batch": batch.number, "claims": len(claims)},
        )
    buffer = io.BytesIO()
    write_xlsx(
        buffer,
        ["企业名称", "统一社会信用代码", "补贴类别", "开户银行", "账号", "金额(元)"],
        rows,
        sheet_name="支付清单",
        meta={"批次": batch.number, "合计": f"{batch.total:.2f}"},
    )
    return buffer.getvalue()
