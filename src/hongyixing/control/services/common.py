"""Shared by every control service: the roles a step needs on top of restrict(), the error,
the measure lock and version check, and document numbers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from hongyixing.accounts.choices import Role
from hongyixing.accounts.permissions import roles_of
from hongyixing.control.choices import (
    MeasureState,
    MeasureType,
)
from hongyixing.control.models import (
    DocumentCounter,
    Measure,
)
from hongyixing.core import audit
from hongyixing.core.errors import DomainError

CENTRAL = MeasureType.CENTRAL_ISOLATION
HOME_TYPES = {MeasureType.HOME_ISOLATION, MeasureType.HOME_MONITORING, MeasureType.HEALTH_MONITORING}
# Who confirms a release for the community, and who runs transfers (the transfer group works from
# the district office's and the towns' accounts).
CONFIRM_ROLES = {Role.VILLAGE_CADRE, Role.TOWN_OFFICER, Role.DISTRICT_OFFICE}
TRANSFER_ROLES = {Role.DISTRICT_OFFICE, Role.TOWN_OFFICER, Role.WORKING_GROUP}
MEDICAL_ROLES = {Role.CDC_STAFF}
TEMPERATURE_RANGE = (Decimal("34.0"), Decimal("43.0"))


def today() -> dt.date:
    return timezone.localdate()


# ---------------------------------------------------------------------------------------------
# Permissions (on top of restrict(): the role a step needs)


def _roles(actor: Any) -> set[str]:
    return set() if actor is None else roles_of(actor)


def can_manage(actor: Any, measure: Measure) -> bool:
    """Change the measure: anyone with change scope on the person's place, CDC staff in scope, or a
    member of the person's team."""
    if actor is None:
        return False
    if actor.is_superuser or measure.in_scope(actor, "change"):
        return True
    if _roles(actor) & MEDICAL_ROLES and measure.in_scope(actor, "view"):
        return True
    return measure.team.filter(user=actor).exists()


def can_see(actor: Any, measure: Measure) -> bool:
    return measure.in_scope(actor, "view") or (actor is not None and measure.team.filter(user=actor).exists())


def _require(condition: bool) -> None:
    if not condition:
        raise Http404


def _locked_measure(measure: Measure) -> Measure:
    return Measure.objects.select_for_update().get(pk=measure.pk)


def _check_version(measure: Measure, expected: int | None) -> None:
    if expected is not None and measure.version != expected:
        raise DomainError("measure.stale", _("Someone else changed this record; reload and try again."))


def next_number(kind: str, year: int) -> int:
    counter, _created = DocumentCounter.objects.select_for_update().get_or_create(kind=kind, year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last


def _save(
    actor: Any, measure: Measure, before: dict[str, Any], event: str, data: dict[str, Any] | None = None
) -> None:
    measure.version += 1
    measure.save()
    audit.log_update(actor, measure, before)
    audit.emit(event, measure, actor, data=data)


def _editable(
    actor: Any, measure: Measure, expected_version: int | None = None
) -> tuple[Measure, dict[str, Any]]:
    _require(can_see(actor, measure))
    if not can_manage(actor, measure):
        raise DomainError("measure.not_allowed", _("You cannot change this measure."))
    locked = _locked_measure(measure)
    _check_version(locked, expected_version)
    if locked.state != MeasureState.ACTIVE:
        raise DomainError("measure.closed", _("This measure is no longer active."))
    return locked, audit.snapshot(locked)
