"""Listening to verification (a disposition that calls for a measure opens it here) and to the
register (people.signals: a death ends the measure, a move takes it along, a move away under a
measure is refused — the error rolls the register change back)."""

from __future__ import annotations

from typing import Any

from hongyixing.people.choices import PersonStatus
from hongyixing.people.signals import person_moved, person_status_changed
from hongyixing.verification.signals import measure_requested

TEST_ONLY = "test_only"


def on_measure_requested(sender: Any, *, task: Any, actor: Any, measure: str, arrival: Any, **_: Any) -> None:
    from hongyixing.control import services

    if measure == TEST_ONLY:
        if task.person_id is not None:
            services.do_request_test(actor, task.person, reason=f"task {task.pk}")
        return
    services.open_from_verification(actor, task, measure, arrival)


def on_person_status_changed(
    sender: Any, *, person: Any, actor: Any, status: str, note: str = "", **kwargs: Any
) -> None:
    from hongyixing.control.services import lifecycle

    if status == PersonStatus.MOVED_AWAY:
        lifecycle.refuse_move_away_under_measure(person)
    elif status == PersonStatus.DECEASED:
        lifecycle.do_end_for_death(actor, person, note)


def on_person_moved(sender: Any, *, persons: list[Any], actor: Any, note: str = "", **kwargs: Any) -> None:
    from hongyixing.control.services import lifecycle

    for person in persons:
        lifecycle.do_follow_move(actor, person, note)


def connect() -> None:
    measure_requested.connect(on_measure_requested, dispatch_uid="control.measure_requested")
    person_status_changed.connect(on_person_status_changed, dispatch_uid="control.person_status")
    person_moved.connect(on_person_moved, dispatch_uid="control.person_moved")
