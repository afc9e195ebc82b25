"""Transfer orders: creating, pick-up, hand-over, closing and cancelling."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hongyixing.control.choices import (
    AlertKind,
    AlertState,
    TransferReason,
    TransferState,
)
from hongyixing.control.models import (
    Alert,
    Measure,
    Site,
    Transfer,
    TransferPerson,
)
from hongyixing.control.services.common import (
    TEMPERATURE_RANGE,
    TRANSFER_ROLES,
    _require,
    _roles,
    can_see,
    next_number,
)
from hongyixing.core import audit
from hongyixing.core.errors import DomainError
from hongyixing.core.scope import scope_for
from hongyixing.people.models import Person

OPEN_TRANSFER_STATES = (TransferState.SCHEDULED, TransferState.PICKED_UP)


@dataclass
class TransferSpec:
    reason: str
    from_place: str
    to_place: str
    scheduled_at: dt.datetime
    to_site: Site | None = None
    vehicle_plate: str = ""
    driver: str = ""
    escort: str = ""
    note: str = ""


def _create_transfer(
    actor: Any,
    spec: TransferSpec,
    carried: Sequence[tuple[Person, Measure | None]],
    *,
    unit_path: str,
    grid_id: int | None = None,
) -> Transfer:
    now = timezone.now()
    number = next_number("transfer", timezone.localdate().year)
    transfer = Transfer.objects.create(
        number=f"ZY{timezone.localdate().year}{number:05d}",
        reason=spec.reason,
        from_place=spec.from_place[:200],
        to_place=(spec.to_site.name if spec.to_site and not spec.to_place else spec.to_place)[:200],
        to_site=spec.to_site,
        scheduled_at=spec.scheduled_at,
        vehicle_plate=spec.vehicle_plate[:20],
        driver=spec.driver[:60],
        escort=spec.escort[:60],
        note=spec.note[:300],
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        created_at=now,
        unit_path=unit_path,
        grid_id=grid_id,
    )
    audit.log_create(actor, transfer)
    people = [TransferPerson(transfer=transfer, person=p, measure=m) for p, m in carried]
    TransferPerson.objects.bulk_create(people)
    audit.log_bulk_create(actor, list(transfer.carried.all()))
    audit.emit("transfer.created", transfer, actor, data={"reason": spec.reason, "persons": len(people)})
    return transfer


def can_run_transfers(actor: Any, transfer_path: str) -> bool:
    if actor is None:
        return False
    if actor.is_superuser:
        return True
    return bool(_roles(actor) & TRANSFER_ROLES) and scope_for(actor, "view").covers_path(transfer_path)


@transaction.atomic
def do_create_transfer(actor: Any, spec: TransferSpec, measures: Sequence[Measure]) -> Transfer:
    if not measures:
        raise DomainError("transfer.nobody", _("Choose at least one person to carry."))
    if spec.reason not in TransferReason.values:
        raise DomainError("transfer.bad_reason", _("Choose a reason."))
    for measure in measures:
        _require(can_see(actor, measure))
    path = measures[0].unit_path
    common = path[:9] if all(m.unit_path[:9] == path[:9] for m in measures) else path[:6]
    if not can_run_transfers(actor, common):
        raise DomainError(
            "transfer.not_allowed", _("Transfers are arranged by the command office or the town.")
        )
    grids = {m.grid_id for m in measures}
    grid_id = grids.pop() if len(grids) == 1 else None
    return _create_transfer(actor, spec, [(m.person, m) for m in measures], unit_path=common, grid_id=grid_id)


def _transfer_for_change(actor: Any, transfer: Transfer) -> Transfer:
    _require(transfer.in_scope(actor, "view"))
    if not can_run_transfers(actor, transfer.unit_path):
        raise DomainError(
            "transfer.not_allowed", _("Transfers are arranged by the command office or the town.")
        )
    return Transfer.objects.select_for_update().get(pk=transfer.pk)


def _transfer_step(actor: Any, transfer: Transfer, before: dict[str, Any], event: str) -> None:
    transfer.version += 1
    transfer.save()
    audit.log_update(actor, transfer, before)
    audit.emit(event, transfer, actor)


@transaction.atomic
def do_pick_up(
    actor: Any,
    transfer: Transfer,
    signed_by: str,
    temperatures: dict[int, Any],
    vehicle_plate: str = "",
    driver: str = "",
    escort: str = "",
) -> Transfer:
    locked = _transfer_for_change(actor, transfer)
    if locked.state != TransferState.SCHEDULED:
        raise DomainError("transfer.bad_step", _("This order is not waiting for pick-up."))
    plate = vehicle_plate.strip() or locked.vehicle_plate
    if not plate or not (driver.strip() or locked.driver) or not signed_by.strip():
        raise DomainError("transfer.incomplete", _("Enter the vehicle plate, the driver and who signed."))
    before = audit.snapshot(locked)
    for carried in locked.carried.all():
        raw = temperatures.get(carried.person_id)
        if raw in (None, ""):
            raise DomainError("transfer.no_temperature", _("Enter every person's temperature at pick-up."))
        try:
            value = Decimal(str(raw)).quantize(Decimal("0.1"))
        except InvalidOperation as error:
            raise DomainError(
                "transfer.no_temperature", _("Enter every person's temperature at pick-up.")
            ) from error
        if not value.is_finite() or not TEMPERATURE_RANGE[0] <= value <= TEMPERATURE_RANGE[1]:
            raise DomainError("transfer.no_temperature", _("A temperature must be between 34.0 and 43.0 °C."))
        carried_before = audit.snapshot(carried)
        carried.pickup_temperature = value
        carried.save(update_fields=["pickup_temperature"])
        audit.log_update(actor, carried, carried_before)
    locked.vehicle_plate = plate[:20]
    locked.driver = (driver.strip() or locked.driver)[:60]
    locked.escort = (escort.strip() or locked.escort)[:60]
    locked.pickup_signed_by = signed_by.strip()[:60]
    locked.picked_up_at = timezone.now()
    locked.state = TransferState.PICKED_UP
    _transfer_step(actor, locked, before, "transfer.picked_up")
    return locked


@transaction.atomic
def do_hand_over(actor: Any, transfer: Transfer, handed_by: str, received_by: str) -> Transfer:
    locked = _transfer_for_change(actor, transfer)
    if locked.state != TransferState.PICKED_UP:
        raise DomainError("transfer.bad_step", _("This order has not been picked up."))
    if not handed_by.strip() or not received_by.strip():
        raise DomainError("transfer.unsigned", _("Both ends must sign the hand-over."))
    before = audit.snapshot(locked)
    locked.handover_signed_by = handed_by.strip()[:60]
    locked.handover_received_by = received_by.strip()[:60]
    locked.handed_over_at = timezone.now()
    locked.state = TransferState.HANDED_OVER
    _transfer_step(actor, locked, before, "transfer.handed_over")
    # The hand-over closes the open-loop alarm; the change log says so, as for any handled alert.
    loops = list(
        Alert.objects.select_for_update().filter(
            transfer=locked, kind=AlertKind.OPEN_LOOP, state=AlertState.OPEN
        )
    )
    closed = {
        "state": AlertState.CLOSED,
        "handled_by": actor,
        "handled_at": timezone.now(),
        "note": _("Handed over"),
    }
    befores = [audit.snapshot(alert) for alert in loops]
    Alert.objects.filter(pk__in=[alert.pk for alert in loops]).update(**closed)
    for alert in loops:
        for name, value in closed.items():
            setattr(alert, name, value)
    audit.log_bulk_update(actor, zip(loops, befores, strict=True))
    return locked


@transaction.atomic
def do_close_transfer(actor: Any, transfer: Transfer, disinfected_by: str) -> Transfer:
    locked = _transfer_for_change(actor, transfer)
    if locked.state != TransferState.HANDED_OVER:
        raise DomainError("transfer.bad_step", _("Close an order after the hand-over."))
    if not disinfected_by.strip():
        raise DomainError("transfer.no_disinfection", _("Record who disinfected the vehicle."))
    before = audit.snapshot(locked)
    locked.disinfected_by = disinfected_by.strip()[:60]
    locked.disinfected_at = timezone.now()
    locked.closed_at = locked.disinfected_at
    locked.state = TransferState.CLOSED
    _transfer_step(actor, locked, before, "transfer.closed")
    return locked


@transaction.atomic
def do_cancel_transfer(actor: Any, transfer: Transfer, reason: str) -> Transfer:
    locked = _transfer_for_change(actor, transfer)
    if locked.state != TransferState.SCHEDULED:
        raise DomainError("transfer.bad_step", _("Only an order not yet picked up can be cancelled."))
    if not reason.strip():
        raise DomainError("transfer.no_reason", _("Give a reason."))
    before = audit.snapshot(locked)
    locked.state = TransferState.CANCELLED
    locked.note = (locked.note + " " + reason.strip()).strip()[:300]
    _transfer_step(actor, locked, before, "transfer.cancelled")
    return locked
