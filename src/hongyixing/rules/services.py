"""Reading and changing the rules in force."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Q

from hongyixing.core import audit
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
