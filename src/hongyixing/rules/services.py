"""Reading and changing the rules in force."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hongyixing.accounts.choices import Role
from hongyixing.accounts.permissions import roles_of
from hongyixing.core import audit
from hongyixing.core.errors import DomainError, NotFound
from hongyixing.core.text import plain_text
from hongyixing.rules.models import MeasureRule, VerificationRule

DEFAULT_CATEGORY = "general"


def verification_rule(category: str, at: dt.datetime) -> VerificationRule:
    """The rule for ``category`` in force at ``at``; the general rule when the category has none."""
    in_force = Q(valid_from__lte=at) & (Q(valid_to__isnull=True) | Q(valid_to__gt=at))
    rules = VerificationRule.objects.filter(in_force, category__in=[category, DEFAULT_CATEGORY])
    by_category = {rule.category: rule for rule in rules.order_by("valid_from")}
    rule = by_category.get(category) or by_category.get(DEFAULT_CATEGORY)
    if rule is None:
        raise LookupError(
            f"no verification rule in force at {at.isoformat()} for {category!r} or the default"
        )
    return rule


def rules_in_force(at: dt.datetime) -> dict[str, VerificationRule]:
    """All categories' rules at one moment, for set-based use (one query)."""
    in_force = Q(valid_from__lte=at) & (Q(valid_to__isnull=True) | Q(valid_to__gt=at))
    return {rule.category: rule for rule in VerificationRule.objects.filter(in_force).order_by("valid_from")}


@transaction.atomic
def do_supersede_rule(
    actor: Any, category: str, name: str, deadline_minutes: int, start: dt.datetime
) -> VerificationRule:
    """End the category's current rule at ``start`` and open the new one: history is never rewritten."""
    for current in VerificationRule.objects.filter(
        category=category, valid_to__isnull=True, valid_from__lt=start
    ):
        before = audit.snapshot(current)
        current.valid_to = start
        current.save(update_fields=["valid_to"])
        audit.log_update(actor, current, before)
    rule = VerificationRule.objects.create(
        category=category, name=name, deadline_minutes=deadline_minutes, valid_from=start
    )
    audit.log_create(actor, rule)
    return rule


def measure_rule(measure_type: str, category: str, on: dt.date) -> MeasureRule:
    """The rule for a measure of ``measure_type`` starting on ``on`` for ``category``; the general
    rule of that type when the category has none."""
    in_force = Q(valid_from__lte=on) & (Q(valid_to__isnull=True) | Q(valid_to__gt=on))
    rules = MeasureRule.objects.filter(
        in_force, measure_type=measure_type, category__in=[category, DEFAULT_CATEGORY]
    )
    by_category = {rule.category: rule for rule in rules.order_by("valid_from")}
    rule = by_category.get(category) or by_category.get(DEFAULT_CATEGORY)
    if rule is None:
        raise LookupError(f"no {measure_type} rule in force on {on.isoformat()} for {category!r}")
    return rule


# --- New versions from the policy rules page (district office) -------------------------------------

MAX_PERIOD_DAYS = 60
MAX_DEADLINE_MINUTES = 30 * 24 * 60


def may_change_rules(user: Any) -> bool:
    """Only the district office (and the superuser) sets policy for the whole district."""
    if getattr(user, "is_superuser", False):
        return True
    return Role.DISTRICT_OFFICE in roles_of(user)


def _number(value: Any, field: str, *, low: int, high: int) -> int:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        number = None
    if number is None or not low <= number <= high:
        # zh: 请填写 %(low)s 到 %(high)s 之间的整数
        raise DomainError(
            "rule.bad_number",
            _("Enter a whole number from %(low)s to %(high)s.") % {"low": low, "high": high},
            field,
        )
    return number


def _day(value: Any) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value or "").strip())
    except ValueError:
        # zh: 生效日期请写成 2022-11-11 这样的格式
        raise DomainError(
            "rule.bad_date", _("Write the effective date as 2022-11-11."), "valid_from"
        ) from None


def _start_after(current: Any, start: Any, today: dt.date) -> None:
    """The effective date is today or later, and after the start of the version in force now."""
    if start < today:
        # zh: 生效日期不能早于今天：已经发生的事按当时的规则办理
        raise DomainError(
            "rule.in_the_past",
            _("The effective date cannot be before today: what happened keeps the rule of its time."),
            "valid_from",
        )
    if current is not None:
        current_start = current.valid_from
        if isinstance(current_start, dt.datetime):
            current_start = timezone.localtime(current_start).date()
        if start <= current_start:
            # zh: 生效日期须晚于现行版本的生效日期（%(day)s）
            raise DomainError(
                "rule.before_current",
                _("The effective date must be after the current version's (%(day)s).")
                % {"day": current_start.isoformat()},
                "valid_from",
            )


def _days_list(value: Any, field: str, period: int) -> list[int]:
    """Test days: day numbers within the period (day 1 is the start), written "1, 2, 3, 5"."""
    if isinstance(value, list | tuple):
        items = [str(v) for v in value]
    else:
        items = str(value or "").replace("，", ",").replace("、", ",").split(",")
    days = set()
    for item in (i.strip() for i in items):
        if not item:
            continue
        if not item.isdigit() or not 1 <= int(item) <= period:
            # zh: 检测日须是 1 到 %(n)s 之间的天数，用逗号分开
            raise DomainError(
                "rule.bad_test_days",
                _("Test days are day numbers from 1 to %(n)s, separated by commas.") % {"n": period},
                field,
            )
        days.add(int(item))
    return sorted(days)


def current_verification_rule(category: str) -> VerificationRule | None:
    return VerificationRule.objects.filter(category=category).order_by("-valid_from").first()


def current_measure_rule(measure_type: str, category: str) -> MeasureRule | None:
    return (
        MeasureRule.objects.filter(measure_type=measure_type, category=category)
        .order_by("-valid_from")
        .first()
    )


def _end(actor: Any, current: Any, at: Any) -> None:
    if current is not None and (current.valid_to is None or current.valid_to > at):
        before = audit.snapshot(current)
        current.valid_to = at
        current.save(update_fields=["valid_to"])
        audit.log_update(actor, current, before)


@dataclass
class VerificationRuleInput:
    name: Any
    deadline_minutes: Any
    valid_from: Any
    note: Any = ""


def clean_verification_rule(category: str, data: VerificationRuleInput, today: dt.date) -> dict[str, Any]:
    """The one validator of a new verification-deadline version."""
    current = current_verification_rule(category)
    if current is None:
        raise NotFound()
    start = _day(data.valid_from)
    _start_after(current, start, today)
    return {
        "category": category,
        "name": plain_text(data.name, field="name", limit=80, required=True),
        "deadline_minutes": _number(
            data.deadline_minutes, "deadline_minutes", low=1, high=MAX_DEADLINE_MINUTES
        ),
        "valid_from": timezone.make_aware(dt.datetime.combine(start, dt.time())),
        "note": plain_text(data.note, field="note", limit=200),
    }


@transaction.atomic
def do_add_verification_rule_version(
    actor: Any, category: str, data: VerificationRuleInput, *, today: dt.date | None = None
) -> VerificationRule:
    """A new deadline for a push category from its effective date (local midnight); the version in
    force ends there. Tasks already raised keep the deadline they were given."""
    if not may_change_rules(actor):
        raise NotFound()
    values = clean_verification_rule(category, data, today or timezone.localdate())
    _end(actor, current_verification_rule(category), values["valid_from"])
    rule = VerificationRule.objects.create(**values)
    audit.log_create(actor, rule)
    audit.emit("verificationrule.superseded", rule, actor)
    return rule


@dataclass
class MeasureRuleInput:
    name: Any
    period_days: Any
    test_days: Any
    valid_from: Any
    follow_on_type: Any = ""
    follow_on_days: Any = 0
    follow_on_test_days: Any = ""
    note: Any = ""


def clean_measure_rule(
    measure_type: str, category: str, data: MeasureRuleInput, today: dt.date
) -> dict[str, Any]:
    """The one validator of a new measure-rule version."""
    current = current_measure_rule(measure_type, category)
    if current is None:
        raise NotFound()
    start = _day(data.valid_from)
    _start_after(current, start, today)
    period = _number(data.period_days, "period_days", low=1, high=MAX_PERIOD_DAYS)
    follow_type = str(data.follow_on_type or "").strip()
    known_types = set(MeasureRule.objects.values_list("measure_type", flat=True).distinct())
    if follow_type and (follow_type not in known_types or follow_type == measure_type):
        # zh: 请选择后续措施
        raise DomainError("rule.bad_follow_on", _("Choose the follow-on measure."), "follow_on_type")
    follow_days = 0
    follow_tests: list[int] = []
    if follow_type:
        follow_days = _number(data.follow_on_days, "follow_on_days", low=1, high=MAX_PERIOD_DAYS)
        follow_tests = _days_list(data.follow_on_test_days, "follow_on_test_days", follow_days)
    return {
        "measure_type": measure_type,
        "category": category,
        "name": plain_text(data.name, field="name", limit=80, required=True),
        "period_days": period,
        "test_days": _days_list(data.test_days, "test_days", period),
        "follow_on_type": follow_type,
        "follow_on_days": follow_days,
        "follow_on_test_days": follow_tests,
        "valid_from": start,
        "note": plain_text(data.note, field="note", limit=200),
    }


@transaction.atomic
def do_add_measure_rule_version(
    actor: Any, measure_type: str, category: str, data: MeasureRuleInput, *, today: dt.date | None = None
) -> MeasureRule:
    """A new period / test days / follow-on for one measure type and category from its effective
    date; the version in force ends there. Open measures keep the rule they pinned when they began."""
    if not may_change_rules(actor):
        raise NotFound()
    values = clean_measure_rule(measure_type, category, data, today or timezone.localdate())
    _end(actor, current_measure_rule(measure_type, category), values["valid_from"])
    rule = MeasureRule.objects.create(**values)
    audit.log_create(actor, rule)
    audit.emit("measurerule.superseded", rule, actor)
    return rule
