"""Where a row goes: the routing decision from household or address, and the manual queue."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hongyixing.areas.models import Grid
from hongyixing.core import audit
from hongyixing.core.errors import DomainError
from hongyixing.rules.services import rules_in_force
from hongyixing.verification import linking
from hongyixing.verification.choices import OPEN_STATES, RowStatus, TaskState
from hongyixing.verification.models import PushRow, VerificationTask
from hongyixing.verification.services.common import (
    ROUTE_THRESHOLD,
    TOWN_PATH_LENGTH,
    VILLAGE_PATH_LENGTH,
    sla_times,
)


@dataclass
class RouteDecision:
    unit_path: str = ""
    grid_id: int | None = None
    confidence: float = 0.0
    reason: str = ""
    outside: bool = False
    suggestions: list[Any] = field(default_factory=list)
    place_confidence: float = 0.0

    @property
    def desk_path(self) -> str:
        """The village or town whose desk takes a row placed there for certain but not at one grid."""
        if self.outside or self.place_confidence < ROUTE_THRESHOLD or len(self.unit_path) < TOWN_PATH_LENGTH:
            return ""
        if len(self.unit_path) >= VILLAGE_PATH_LENGTH:
            return self.unit_path[:VILLAGE_PATH_LENGTH]
        return self.unit_path[:TOWN_PATH_LENGTH]


def _routing_reason(routing: Any, gazetteer: Any) -> str:
    """What the desk reads, in plain words: where the address led and why the row is where it is (the
    gazetteer's own evidence trace is for developers, not translated)."""
    if routing.outside_district:
        return _("The address is outside the district: forward it to where the person is")
    if not routing.unit_path:
        if routing.suggestions:
            return _(
                "The address names no town or village of the district for certain; closest: %(near)s"
            ) % {"near": routing.suggestions[0].names}
        return _("The address names no town or village of the district")
    place = gazetteer.chain(routing.unit_path)
    if routing.grid_id is not None and routing.confidence >= ROUTE_THRESHOLD:
        return _("Address placed at %(place)s, in one grid") % {"place": place}
    if routing.place_confidence < ROUTE_THRESHOLD:
        if routing.ambiguous:
            return _("Several places fit the address (%(place)s and others): choose one") % {"place": place}
        return _("The address is not clear enough to place for certain (read as %(place)s)") % {
            "place": place
        }
    if len(routing.unit_path) < VILLAGE_PATH_LENGTH:
        return _("Address placed at %(place)s but no village is written: the town assigns it") % {
            "place": place
        }
    return _("Address placed at %(place)s, which has several grids: the village assigns it") % {
        "place": place
    }


def _route_addresses(addresses: list[str]) -> list[RouteDecision]:
    """Route free-text addresses with the district's gazetteer, in memory."""
    from hongyixing.areas.gazetteer import Gazetteer

    gazetteer = Gazetteer.get()  # once: each get() checks the tree's fingerprint with three queries
    return [
        RouteDecision(
            r.unit_path or "",
            r.grid_id,
            r.confidence,
            _routing_reason(r, gazetteer),
            r.outside_district,
            [
                {"unit_path": s.unit_path, "label": s.names, "score": round(s.score, 2), "grid_id": s.grid_id}
                for s in r.suggestions
            ],
            r.place_confidence,
        )
        for r in gazetteer.route_many(addresses)
    ]


def _decide_routes(
    candidates: Sequence[linking.Candidate], residents: dict[int, linking.Resident]
) -> list[RouteDecision]:
    decisions: list[RouteDecision | None] = []
    need_gazetteer: list[int] = []
    registered, phone_home = _("Registered household"), _("Household of the phone's owner")
    for position, c in enumerate(candidates):
        if c.person_id is not None and residents[c.person_id].unit_path:
            home = residents[c.person_id]
            decisions.append(
                RouteDecision(home.unit_path, home.grid_id, 1.0, registered, place_confidence=1.0)
            )
        elif c.household_hint is not None and c.household_hint[1] is not None:
            decisions.append(
                RouteDecision(
                    c.household_hint[0],
                    c.household_hint[1],
                    0.7,
                    phone_home,
                    place_confidence=0.7,
                )
            )
        elif c.address:
            decisions.append(None)
            need_gazetteer.append(position)
        else:
            decisions.append(RouteDecision(reason=_("No address and no registered household")))
    routed = _route_addresses([candidates[i].address for i in need_gazetteer]) if need_gazetteer else []
    for position, decision in zip(need_gazetteer, routed, strict=True):
        decisions[position] = decision
    return [d if d is not None else RouteDecision() for d in decisions]


@transaction.atomic
def do_route_manually(actor: Any, row: PushRow, grid: Grid) -> tuple[VerificationTask, bool]:
    """The manual queue: a person placed by hand gets the task the pipeline could not create, and the
    later rows of the same person in the list join it. A person who meanwhile has an open task is
    merged into that one instead: ``(task, False)``."""
    locked = PushRow.objects.select_for_update().filter(pk=row.pk, status=RowStatus.MANUAL).first()
    if locked is None:
        raise DomainError("row.not_manual", _("This row is no longer waiting for routing."))
    batch = locked.batch
    before = audit.snapshot(locked)
    open_task = (
        VerificationTask.objects.filter(person_id=locked.person_id, state__in=OPEN_STATES)
        .order_by("id")
        .first()
        if locked.person_id
        else None
    )
    if open_task is not None:
        locked.status, locked.task = RowStatus.MERGED, open_task
        locked.route_reason = _("This person already has an open task: merged into it")
        locked.save()
        audit.log_update(actor, locked, before)
        _join_followers(actor, locked, open_task)
        return open_task, False
    rule = rules_in_force(batch.received_at)
    chosen = rule.get(batch.category) or rule["general"]
    task = VerificationTask.objects.create(
        batch=batch,
        person_id=locked.person_id,
        name=locked.name or "—",
        category=batch.category,
        rule_id_pinned=chosen.pk,
        unit_path=grid.unit_path,
        grid=grid,
        state=TaskState.DISPATCHED,
        created_at=timezone.now(),
        arrival_date=locked.arrival_date,
        **sla_times(batch.received_at, batch.received_at + dt.timedelta(minutes=chosen.deadline_minutes)),
    )
    locked.status, locked.task, locked.grid, locked.unit_path = RowStatus.TASKED, task, grid, grid.unit_path
    locked.route_reason = _("Placed by hand")
    locked.save()
    audit.log_update(actor, locked, before)
    audit.log_create(actor, task)
    audit.emit("task.dispatched", task, actor, data={"manual": True})
    _join_followers(actor, locked, task)
    return task, True


def _join_followers(actor: Any, first: PushRow, task: VerificationTask) -> None:
    followers = list(
        PushRow.objects.select_for_update().filter(
            batch_id=first.batch_id, same_as_row=first.row_number, status=RowStatus.MERGED, task__isnull=True
        )
    )
    for follower in followers:
        before = audit.snapshot(follower)
        follower.task = task
        follower.save(update_fields=["task"])
        audit.log_update(actor, follower, before)
