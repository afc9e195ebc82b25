"""Inbound travellers from abroad: arrival, measure, transfer home and liaison."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hongyixing.control.choices import (
    TEAM_DUTIES,
    MeasureCategory,
    MeasureSource,
    TeamRole,
    TransferReason,
)
from hongyixing.control.models import (
    InboundArrival,
    TeamMember,
)
from hongyixing.control.services.common import (
    _require,
    today,
)
from hongyixing.control.services.measures import (
    MeasureSpec,
    _open,
)
from hongyixing.control.services.team import require_team_staff
from hongyixing.control.services.transfers import (
    TransferSpec,
    _create_transfer,
)
from hongyixing.core import audit
from hongyixing.core.errors import DomainError
from hongyixing.people.models import Person


@dataclass
class InboundSpec:
    entry_port: str
    entry_date: dt.date | None
    liaison: Any
    local_measure: str
    nationality: str = "中国"
    flight: str = ""
    countries_14d: str = ""
    first_entry_place: str = ""
    first_entry_until: dt.date | None = None


@transaction.atomic
def do_register_inbound(actor: Any, person: Person, spec: InboundSpec) -> InboundArrival:
    _require(person.in_scope(actor, "change"))
    if spec.entry_date is None:
        raise DomainError("inbound.no_entry_date", _("Enter the entry date."))
    if not spec.entry_port.strip():
        raise DomainError("inbound.no_port", _("Enter the entry port."))
    if spec.liaison is None:
        raise DomainError("inbound.no_liaison", _("Every inbound traveller has one liaison."))
    require_team_staff(person.unit_path, person.grid_id, TeamRole.LIAISON, spec.liaison)
    start = spec.first_entry_until + dt.timedelta(days=1) if spec.first_entry_until else spec.entry_date
    try:
        measure = _open(
            actor,
            person,
            MeasureSpec(
                type=spec.local_measure,
                source=MeasureSource.MANUAL,
                category=MeasureCategory.INBOUND,
                reason=_("Inbound via %(port)s") % {"port": spec.entry_port},
                start=min(start, today()),
            ),
        )
    except LookupError as error:
        raise DomainError(
            "measure.no_rule", _("No rule is in force for this measure on that date.")
        ) from error
    transfer = _create_transfer(
        actor,
        TransferSpec(
            reason=TransferReason.INBOUND,
            from_place=spec.first_entry_place or spec.entry_port,
            to_place=person.current_address or person.domicile_address or "—",
            scheduled_at=timezone.make_aware(dt.datetime.combine(start, dt.time(9, 0))),
        ),
        [(person, measure)],
        unit_path=person.unit_path,
        grid_id=person.grid_id,
    )
    arrival = InboundArrival.objects.create(
        person=person,
        nationality=spec.nationality[:60],
        entry_port=spec.entry_port[:60],
        entry_date=spec.entry_date,
        flight=spec.flight[:20],
        countries_14d=spec.countries_14d[:200],
        first_entry_place=spec.first_entry_place[:200],
        first_entry_until=spec.first_entry_until,
        liaison=spec.liaison,
        transfer=transfer,
        measure=measure,
        unit_path=person.unit_path,
        grid_id=person.grid_id,
        created_at=timezone.now(),
    )
    audit.log_create(actor, arrival)
    liaison = TeamMember.objects.create(
        measure=measure,
        role=TeamRole.LIAISON,
        user=spec.liaison,
        name=str(spec.liaison),
        duty=str(TEAM_DUTIES[TeamRole.LIAISON]),
    )
    audit.log_create(actor, liaison)
    return arrival
