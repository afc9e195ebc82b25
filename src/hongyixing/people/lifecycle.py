"""Changes of the register with an effective date: a death, a move out of the district, a return, a
person changing household and a whole household moving (户籍变动).

Each function is one transaction: the rows, the live counters, the change log and the event, and the
signal (``people.signals``) that lets verification and control bring the person's open work along in
the same transaction — a receiver that refuses (a move away under an active measure) rolls it all
back. Who may: village cadres, town officers and the district office with the place in their change
scope; a grid worker sees the register status but does not record these.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from hongyixing.areas.choices import UnitLevel
from hongyixing.areas.models import AdminUnit, Grid, Household
from hongyixing.areas.services import bump_counts_many
from hongyixing.core import audit
from hongyixing.core.errors import DomainError, NotFound, StaleEdit
from hongyixing.people.choices import PersonStatus, Relation
from hongyixing.people.models import Person
from hongyixing.people.signals import person_moved, person_status_changed

# The roles that keep the register (role codes of accounts.Role: people does not import accounts).
REGISTER_ROLES = frozenset({"village_cadre", "town_officer", "district_office"})
# Where a household can live: a villager group, a compound or a building.
HOUSEHOLD_LEVELS = frozenset({UnitLevel.GROUP, UnitLevel.COMPOUND, UnitLevel.BUILDING})
NOTE_LENGTH = 200


def may_record(actor: Any, unit_path: str, grid_id: int | None) -> bool:
    """Whether ``actor`` keeps the register at this place (on top of the change scope)."""
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return False
    if actor.is_superuser:
        return True
    for grant in actor.grants.filter(role__in=REGISTER_ROLES).select_related("unit"):
        if grant.unit_id is not None and unit_path.startswith(grant.unit.path):
            return True
        if grant.grid_id is not None and grant.grid_id == grid_id:
            return True
    return False


def _require_register_role(actor: Any, unit_path: str, grid_id: int | None) -> None:
    if not may_record(actor, unit_path, grid_id):
        raise DomainError(
            "register.not_allowed",
            _("Only village cadres, town officers and the district office record moves and deaths."),
        )


def check_date(on: dt.date | None, *, not_before: dt.date | None = None) -> dt.date:
    """The effective date: given, not in the future, not before ``not_before``."""
    if on is None:
        raise DomainError("register.no_date", _("Enter the date it happened."), "on")
    if on > timezone.localdate():
        raise DomainError("register.future_date", _("The date cannot be in the future."), "on")
    if not_before is not None and on < not_before:
        raise DomainError(
            "register.date_too_early",
            _("The date cannot be before %(day)s.") % {"day": not_before.isoformat()},
            "on",
        )
    return on


def _clean(text: str, field: str, *, required: bool = False, message: str = "") -> str:
    cleaned = " ".join((text or "").split())
    if required and not cleaned:
        raise DomainError(f"register.no_{field}", message, field)
    if len(cleaned) > NOTE_LENGTH:
        raise DomainError("register.too_long", _("At most %(n)d characters.") % {"n": NOTE_LENGTH}, field)
    return cleaned


def _locked_person(actor: Any, person: Person, expected_version: int | None) -> Person:
    locked = Person.objects.select_for_update().restrict(actor, "change").filter(pk=person.pk).first()
    if locked is None:
        raise NotFound
    _require_register_role(actor, locked.unit_path, locked.grid_id)
    if expected_version is not None and locked.version != expected_version:
        raise StaleEdit
    return locked


def _target_household(actor: Any, household: Household) -> Household:
    target = Household.objects.select_for_update().restrict(actor, "change").filter(pk=household.pk).first()
    if target is None:
        raise NotFound
    _require_register_role(actor, target.unit_path, target.grid_id)
    return target


def _not_deceased(person: Person) -> None:
    if person.status == PersonStatus.DECEASED:
        raise DomainError("register.deceased", _("This person is recorded as deceased."))


def _bump_households(deltas: dict[int, int]) -> None:
    for household_id, delta in deltas.items():
        if delta:
            Household.objects.filter(pk=household_id).update(person_count=F("person_count") + delta)


def _leave_counters(person: Person) -> None:
    """A resident stops counting where they live (death, move away)."""
    bump_counts_many([(person.unit_path, person.grid_id, -1, 0)])
    if person.household_id:
        _bump_households({person.household_id: -1})


def _save(actor: Any, person: Person, before: dict[str, Any]) -> None:
    person.version += 1
    person.save()
    audit.log_update(actor, person, before)


def _send_status(actor: Any, person: Person, previous: str, on: dt.date, note: str, destination: str) -> None:
    person_status_changed.send(
        sender=Person,
        person=person,
        actor=actor,
        status=person.status,
        previous=previous,
        on=on,
        note=note,
        destination=destination,
    )


@transaction.atomic
def do_record_death(
    actor: Any, person: Person, on: dt.date | None, note: str = "", expected_version: int | None = None
) -> Person:
    """The person died on ``on``: off the counters; open tasks close, an active measure ends."""
    locked = _locked_person(actor, person, expected_version)
    _not_deceased(locked)
    day = check_date(on, not_before=locked.birth_date)
    note = _clean(note, "note")
    before = audit.snapshot(locked)
    previous = locked.status
    if previous == PersonStatus.RESIDENT:
        _leave_counters(locked)
    locked.status, locked.status_since, locked.status_note = PersonStatus.DECEASED, day, note
    _save(actor, locked, before)
    audit.emit("person.died", locked, actor, data={"note": note} if note else None)
    _send_status(actor, locked, previous, day, note, "")
    return locked


@transaction.atomic
def do_record_move_away(
    actor: Any,
    person: Person,
    on: dt.date | None,
    destination: str,
    note: str = "",
    expected_version: int | None = None,
) -> Person:
    """The person left the district on ``on`` for ``destination``: off the counters, kept on file
    (marked) at their last household; open tasks close as "has left the area". Refused (by control)
    while a control measure is active: its transfer out comes first."""
    destination = _clean(
        destination, "destination", required=True, message=_("Say where the person moved to.")
    )
    note = _clean(note, "note")
    locked = _locked_person(actor, person, expected_version)
    _not_deceased(locked)
    if locked.status == PersonStatus.MOVED_AWAY:
        raise DomainError("register.already_moved_away", _("This person is already recorded as moved away."))
    day = check_date(on, not_before=locked.status_since)
    before = audit.snapshot(locked)
    _leave_counters(locked)
    locked.status, locked.status_since = PersonStatus.MOVED_AWAY, day
    locked.status_note, locked.moved_to = note, destination
    _save(actor, locked, before)
    audit.emit("move_away.registered", locked, actor, data={"destination": destination, "note": note})
    _send_status(actor, locked, PersonStatus.RESIDENT, day, note, destination)
    return locked


def _place(person: Person) -> tuple[str, int | None]:
    return person.unit_path, person.grid_id


def _send_moved(
    actor: Any, persons: list[Person], previous: dict[int, tuple[str, int | None]], on: dt.date, note: str
) -> None:
    if persons:
        person_moved.send(sender=Person, persons=persons, actor=actor, previous=previous, on=on, note=note)


@transaction.atomic
def do_record_move_in(
    actor: Any,
    person: Person,
    household: Household,
    on: dt.date | None,
    note: str = "",
    relation: str = "",
    expected_version: int | None = None,
) -> Person:
    """A person who had moved away comes back onto the register in ``household`` on ``on``.

    (Someone new to the district is created in their household by ``services.create_person``.)"""
    note = _clean(note, "note")
    if relation and relation not in Relation.values:
        raise DomainError("register.bad_relation", _("Choose a relation to the household head."), "relation")
    locked = _locked_person(actor, person, expected_version)
    _not_deceased(locked)
    if locked.status == PersonStatus.RESIDENT:
        raise DomainError(
            "register.already_resident",
            _("This person is on the register already; to change household use “Change household”."),
        )
    target = _target_household(actor, household)
    day = check_date(on, not_before=locked.status_since)
    before = audit.snapshot(locked)
    previous_place = _place(locked)
    locked.household, locked.unit_path, locked.grid_id = target, target.unit_path, target.grid_id
    if relation:
        locked.relation = relation
    locked.status, locked.status_since, locked.status_note, locked.moved_to = (
        PersonStatus.RESIDENT,
        day,
        note,
        "",
    )
    bump_counts_many([(target.unit_path, target.grid_id, 1, 0)])
    _bump_households({target.pk: 1})
    _save(actor, locked, before)
    audit.emit("move_in.registered", locked, actor, data={"note": note} if note else None)
    _send_status(actor, locked, PersonStatus.MOVED_AWAY, day, note, "")
    if previous_place != _place(locked):
        _send_moved(actor, [locked], {locked.pk: previous_place}, day, note)
    return locked


@transaction.atomic
def do_move_person(
    actor: Any,
    person: Person,
    household: Household,
    on: dt.date | None,
    note: str = "",
    relation: str = "",
    expected_version: int | None = None,
) -> Person:
    """A resident changes household inside the district (换户): counters, tasks and measure follow."""
    note = _clean(note, "note")
    if relation and relation not in Relation.values:
        raise DomainError("register.bad_relation", _("Choose a relation to the household head."), "relation")
    locked = _locked_person(actor, person, expected_version)
    _not_deceased(locked)
    if locked.status != PersonStatus.RESIDENT:
        raise DomainError(
            "register.not_resident", _("This person is not on the register; record the return instead.")
        )
    if locked.household_id == household.pk:
        raise DomainError("register.same_household", _("The person already lives in this household."))
    target = _target_household(actor, household)
    day = check_date(on, not_before=locked.status_since)
    before = audit.snapshot(locked)
    previous_place, previous_household = _place(locked), locked.household_id
    bump_counts_many([(locked.unit_path, locked.grid_id, -1, 0), (target.unit_path, target.grid_id, 1, 0)])
    _bump_households({**({previous_household: -1} if previous_household else {}), target.pk: 1})
    locked.household, locked.unit_path, locked.grid_id = target, target.unit_path, target.grid_id
    locked.relation = relation or locked.relation
    _save(actor, locked, before)
    audit.emit("person.moved", locked, actor, data={"note": note} if note else None)
    if previous_place != _place(locked):
        _send_moved(actor, [locked], {locked.pk: previous_place}, day, note)
    return locked


def _target_place(actor: Any, household: Household, target: AdminUnit | Grid) -> tuple[AdminUnit, Grid]:
    """The unit and grid a household moves to: a unit brings its grid; a grid keeps the unit and
    must be in the household's village."""
    if isinstance(target, AdminUnit):
        unit = AdminUnit.objects.restrict(actor, "change").filter(pk=target.pk).first()
        if unit is None:
            raise NotFound
        if unit.level not in HOUSEHOLD_LEVELS:
            raise DomainError(
                "household.bad_unit", _("Choose a villager group, a compound or a building."), "target"
            )
        grid = Grid.objects.filter(pk=unit.grid_id).first() if unit.grid_id else None
        if grid is None:
            raise DomainError("household.no_grid", _("That place is not covered by a grid yet."), "target")
        return unit, grid
    grid = Grid.objects.restrict(actor, "change").filter(pk=target.pk).first()
    if grid is None:
        raise NotFound
    unit = household.unit
    if not unit.path.startswith(grid.unit_path):
        raise DomainError(
            "household.grid_elsewhere",
            _("That grid belongs to another village: choose a building or group there instead."),
            "target",
        )
    return unit, grid


@transaction.atomic
def do_move_household(
    actor: Any,
    household: Household,
    target: AdminUnit | Grid,
    on: dt.date | None,
    note: str = "",
    expected_version: int | None = None,
) -> Household:
    """The whole household moves to another building/group, or to another grid of its village (整户
    迁移): its members' place follows, the counters move, tasks and measures follow the residents."""
    note = _clean(note, "note")
    locked = _target_household(actor, household)
    if expected_version is not None and locked.version != expected_version:
        raise StaleEdit
    unit, grid = _target_place(actor, locked, target)
    if unit.pk == locked.unit_id and grid.pk == locked.grid_id:
        raise DomainError("household.same_place", _("The household is already there."), "target")
    _require_register_role(actor, unit.path, grid.pk)
    day = check_date(on)
    members = list(Person.objects.select_for_update().filter(household=locked).order_by("id"))
    residents = [p for p in members if p.status == PersonStatus.RESIDENT]
    previous = {p.pk: _place(p) for p in residents}
    bump_counts_many(
        [
            (locked.unit_path, locked.grid_id, -len(residents), -1),
            (unit.path, grid.pk, len(residents), 1),
        ]
    )
    before = audit.snapshot(locked)
    locked.unit, locked.unit_path, locked.grid = unit, unit.path, grid
    locked.version += 1
    locked.save()
    audit.log_update(actor, locked, before)
    audit.emit("household.moved", locked, actor, data={"note": note} if note else None)
    logged = []
    for member in members:
        member_before = audit.snapshot(member)
        member.unit_path, member.grid_id = unit.path, grid.pk
        member.version += 1
        logged.append((member, member_before))
    Person.objects.bulk_update([m for m, _b in logged], ["unit_path", "grid", "version"], batch_size=500)
    audit.log_bulk_update(actor, logged)
    for member in members:
        audit.emit("person.moved", member, actor, data={"note": note} if note else None)
    _send_moved(actor, residents, previous, day, note)
    return locked
