"""What the register's changes do to a person's control measure (people.signals; control/receivers.py).

A death ends the active measure early ("死亡"), cancels the tests still to take and tells the team;
a move out of the district is refused while a measure is active (its transfer out comes first); a
move inside the district takes the measure, its scheduled tests and the team's grid worker and
village cadre to the new place, the other members staying."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from hongyixing.control.choices import MeasureState, SampleStatus, TeamRole
from hongyixing.control.models import Measure, Sample, TeamMember
from hongyixing.control.services.measures import do_end_early
from hongyixing.control.services.team import do_set_team_member, propose_team
from hongyixing.core import audit
from hongyixing.core.errors import DomainError
from hongyixing.notices.services import notify
from hongyixing.people.models import Person

# The places on a team that belong to where the person lives.
PLACE_ROLES = (TeamRole.GRID_WORKER, TeamRole.CADRE)


def _active(person_id: int) -> Measure | None:
    return Measure.objects.select_for_update().filter(person_id=person_id, state=MeasureState.ACTIVE).first()


def refuse_move_away_under_measure(person: Person) -> None:
    if Measure.objects.filter(person_id=person.pk, state=MeasureState.ACTIVE).exists():
        raise DomainError(
            "register.under_measure",
            _(
                "This person is under an active control measure: request the measure's transfer out "
                "to the receiving district first, and record the move once it is approved."
            ),
        )


def _cancel_scheduled_samples(actor: Any, person_id: int) -> int:
    scheduled = Sample.objects.select_for_update().filter(person_id=person_id, status=SampleStatus.SCHEDULED)
    samples = list(scheduled)
    for sample in samples:
        before = audit.snapshot(sample)
        sample.status = SampleStatus.CANCELLED
        sample.version += 1
        sample.save(update_fields=["status", "version"])
        audit.log_update(actor, sample, before)
    return len(samples)


@transaction.atomic
def do_end_for_death(actor: Any, person: Person, note: str = "") -> Measure | None:
    """End the person's active measure early with the reason "死亡", cancel every test still to
    take, and tell the team (in-app now, the channels after commit)."""
    measure = _active(person.pk)
    if measure is not None:
        reason = _("Death")
        measure = do_end_early(actor, measure, f"{reason}：{note}" if note else reason)
        users = [m.user_id for m in measure.team.all() if m.user_id is not None]
        notify(
            users,
            "control.person_deceased",
            _("%(name)s has died; the control measure has ended early and the tests are cancelled.")
            % {"name": person.name},
            link=reverse("control:measure", args=[measure.pk]),
            key=f"deceased-{measure.pk}",
        )
    _cancel_scheduled_samples(actor, person.pk)
    return measure


@transaction.atomic
def do_follow_move(actor: Any, person: Person, note: str = "") -> Measure | None:
    """The person now lives elsewhere in the district: their active measure and its scheduled tests
    move with them, and the grid worker and village cadre of the team are proposed anew."""
    measure = _active(person.pk)
    if measure is None:
        return None
    before = audit.snapshot(measure)
    measure.unit_path, measure.grid_id, measure.household_id = (
        person.unit_path,
        person.grid_id,
        person.household_id,
    )
    measure.version += 1
    measure.save()
    audit.log_update(actor, measure, before)
    audit.emit("measure.moved", measure, actor, data={"note": note} if note else None)
    for sample in Sample.objects.select_for_update().filter(measure=measure, status=SampleStatus.SCHEDULED):
        sample.unit_path, sample.grid_id = person.unit_path, person.grid_id
        sample.save(update_fields=["unit_path", "grid"])
    proposed = {spec.role: spec for spec in propose_team(person)}
    joined: list[int] = []
    for role in PLACE_ROLES:
        current = TeamMember.objects.filter(measure=measure, role=role).first()
        spec = proposed.get(role)
        if spec is not None:
            if current is None or current.user_id != spec.user.pk:
                do_set_team_member(actor, measure, role, spec.user, spec.name, spec.duty)
                joined.append(spec.user.pk)
        elif current is not None:
            # Nobody holds the place at the new address yet: the old one's member leaves the team.
            audit.log_delete(actor, current)
            current.delete()
    if joined:
        notify(
            joined,
            "control.team_joined",
            _("%(name)s moved into your area: you are now on the team of their control measure.")
            % {"name": person.name},
            link=reverse("control:measure", args=[measure.pk]),
        )
    return measure
