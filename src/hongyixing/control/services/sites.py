"""Sites, rooms and stays (check-in and check-out at a centralised site)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hongyixing.accounts.choices import Role
from hongyixing.accounts.queries import is_staff_for_unit, staff_for_unit
from hongyixing.control.choices import (
    MeasureState,
    RoomStatus,
)
from hongyixing.control.models import (
    Measure,
    Room,
    Site,
    Stay,
)
from hongyixing.control.services.common import (
    CENTRAL,
    _locked_measure,
    _require,
)
from hongyixing.core import audit
from hongyixing.core.errors import DomainError
from hongyixing.core.scope import scope_for

SITE_MANAGER_ROLES = (Role.SITE_MANAGER,)


@dataclass
class SiteSpec:
    name: str
    kind: str
    address: str
    capacity: int
    manager_name: str
    unit_path: str
    medical_staff: str = ""
    manager: Any = None
    rooms: list[str] = field(default_factory=list)


def site_manager_candidates(unit_path: str) -> Any:
    """The users who may manage a site of this unit (the form's choices)."""
    return staff_for_unit(unit_path, SITE_MANAGER_ROLES)


def require_site_manager(unit_path: str, manager: Any) -> None:
    """A site's manager sees and runs the site, so it is a site manager of the place, never any
    account chosen by name."""
    if manager is not None and not is_staff_for_unit(manager, unit_path, SITE_MANAGER_ROLES):
        raise DomainError("site.bad_manager", _("This user is not a quarantine-site manager of this place."))


@transaction.atomic
def do_create_site(actor: Any, spec: SiteSpec) -> Site:
    _require(scope_for(actor, "change").covers_path(spec.unit_path))
    if not spec.name.strip() or not spec.address.strip() or not spec.manager_name.strip():
        raise DomainError("site.incomplete", _("Enter the name, address and manager."))
    if spec.capacity < 1:
        raise DomainError("site.bad_capacity", _("Capacity must be at least one."))
    require_site_manager(spec.unit_path, spec.manager)
    site = Site.objects.create(
        name=spec.name[:100],
        kind=spec.kind,
        address=spec.address[:200],
        capacity=spec.capacity,
        manager=spec.manager,
        manager_name=spec.manager_name[:60],
        medical_staff=spec.medical_staff[:200],
        unit_path=spec.unit_path,
    )
    audit.log_create(actor, site)
    if spec.rooms:
        do_add_rooms(actor, site, spec.rooms)
    return site


def _site_for_change(actor: Any, site: Site) -> Site:
    _require(site.in_scope(actor, "change"))
    return Site.objects.select_for_update().get(pk=site.pk)


def do_add_rooms(actor: Any, site: Site, numbers: Sequence[str]) -> list[Room]:
    with transaction.atomic():
        locked = _site_for_change(actor, site)
        taken = set(locked.rooms.values_list("number", flat=True))
        fresh = [n.strip()[:20] for n in dict.fromkeys(numbers) if n.strip() and n.strip() not in taken]
        rooms = [Room(site=locked, number=n, floor=_floor_of(n)) for n in fresh]
        Room.objects.bulk_create(rooms)
        created = list(locked.rooms.filter(number__in=fresh))
        audit.log_bulk_create(actor, created)
        return created


def _floor_of(number: str) -> int:
    digits = "".join(ch for ch in number if ch.isdigit())
    return int(digits[:-2]) if len(digits) >= 3 else 1


@transaction.atomic
def do_set_room_status(actor: Any, room: Room, status: str) -> Room:
    _site_for_change(actor, room.site)
    locked = Room.objects.select_for_update().get(pk=room.pk)
    if status not in (RoomStatus.FREE, RoomStatus.CLEANING, RoomStatus.SEALED):
        raise DomainError("room.bad_status", _("A room becomes occupied only by a check-in."))
    if Stay.objects.filter(room=locked, checked_out_at__isnull=True).exists():
        raise DomainError("room.occupied", _("Check the guest out first."))
    before = audit.snapshot(locked)
    locked.status = status
    locked.version += 1
    locked.save()
    audit.log_update(actor, locked, before)
    return locked


@transaction.atomic
def do_check_in(actor: Any, measure: Measure, room: Room, note: str = "") -> Stay:
    site = _site_for_change(actor, room.site)
    locked_room = Room.objects.select_for_update().get(pk=room.pk)
    locked = _locked_measure(measure)
    if locked.type != CENTRAL or locked.state != MeasureState.ACTIVE:
        raise DomainError("stay.not_central", _("Only people under centralised quarantine are checked in."))
    if locked_room.status != RoomStatus.FREE:
        raise DomainError("room.taken", _("This room is not free."))
    if Stay.objects.filter(measure=locked, checked_out_at__isnull=True).exists():
        raise DomainError("stay.already", _("This person is already checked in."))
    if Stay.objects.filter(room__site=site, checked_out_at__isnull=True).count() >= site.capacity:
        raise DomainError("site.full", _("The site is full."))
    try:
        with transaction.atomic():
            stay = Stay.objects.create(
                measure=locked,
                room=locked_room,
                person_id=locked.person_id,
                checked_in_at=timezone.now(),
                checked_in_by=actor,
                note=note[:200],
            )
    except IntegrityError as error:
        raise DomainError("room.taken", _("This room is not free.")) from error
    before = audit.snapshot(locked_room)
    locked_room.status = RoomStatus.OCCUPIED
    locked_room.version += 1
    locked_room.save()
    audit.log_create(actor, stay)
    audit.log_update(actor, locked_room, before)
    audit.emit("stay.checked_in", stay, actor, data={"site": site.pk, "room": locked_room.number})
    return stay


def _check_out(actor: Any, stay: Stay, note: str) -> None:
    before = audit.snapshot(stay)
    stay.checked_out_at = timezone.now()
    stay.checked_out_by = actor if getattr(actor, "is_authenticated", False) else None
    stay.note = (stay.note + " " + note).strip()[:200]
    stay.save()
    audit.log_update(actor, stay, before)
    room = Room.objects.select_for_update().get(pk=stay.room_id)
    room_before = audit.snapshot(room)
    room.status = RoomStatus.CLEANING
    room.version += 1
    room.save()
    audit.log_update(actor, room, room_before)


@transaction.atomic
def do_check_out(actor: Any, stay: Stay, note: str = "") -> Stay:
    _site_for_change(actor, stay.room.site)
    locked = Stay.objects.select_for_update().get(pk=stay.pk)
    if locked.checked_out_at is not None:
        raise DomainError("stay.closed", _("Already checked out."))
    _check_out(actor, locked, note)
    return locked
