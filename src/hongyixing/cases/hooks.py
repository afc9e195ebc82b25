"""Hook points for what happens after a case changes, kept empty on purpose.

Notifications and escalation belong to the notices app and the escalation engine (being built
elsewhere); this app only says *when*. Each hook is called inside the service's transaction and
must schedule its own work with ``transaction.on_commit``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# Called with the case when it becomes confirmed or asymptomatic (the moment contacts are upgraded).
CASE_INFECTED: list[Callable[[Any], None]] = []
# Called with the list of contacts a CDC judgment has just turned into tasks or measures.
CONTACTS_ACTIONED: list[Callable[[list[Any]], None]] = []


def case_infected(case: Any) -> None:
    for hook in CASE_INFECTED:
        hook(case)


def contacts_actioned(contacts: list[Any]) -> None:
    for hook in CONTACTS_ACTIONED:
        hook(contacts)
