"""Listening to the register (people.signals): a person's open tasks follow a death or a move.

Connected in ``VerificationConfig.ready``; each runs inside the register change's transaction."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from hongyixing.people.choices import PersonStatus
from hongyixing.people.signals import person_moved, person_status_changed
from hongyixing.verification.choices import Disposition


def _with_note(reason: str, note: str) -> str:
    return f"{reason}：{note}" if note else reason


def on_person_status_changed(
    sender: Any, *, person: Any, actor: Any, status: str, note: str = "", destination: str = "", **kwargs: Any
) -> None:
    from hongyixing.verification.services.lifecycle import do_close_tasks_of_person

    if status == PersonStatus.DECEASED:
        # Nobody is left to verify: "does not live here", with the death as the recorded reason.
        do_close_tasks_of_person(actor, person.pk, Disposition.NOT_RESIDENT, _with_note(_("Death"), note))
    elif status == PersonStatus.MOVED_AWAY:
        do_close_tasks_of_person(actor, person.pk, Disposition.LEFT_AREA, _with_note(destination, note))


def on_person_moved(sender: Any, *, persons: list[Any], actor: Any, note: str = "", **kwargs: Any) -> None:
    from hongyixing.verification.services.lifecycle import do_repoint_tasks_of_person

    for person in persons:
        do_repoint_tasks_of_person(actor, person.pk, person.unit_path, person.grid_id, note)


def connect() -> None:
    person_status_changed.connect(on_person_status_changed, dispatch_uid="verification.person_status")
    person_moved.connect(on_person_moved, dispatch_uid="verification.person_moved")
