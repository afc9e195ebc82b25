"""The escalation clock of directive assignments (提醒, 催办, 督办)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hongyixing.accounts.models import Grant
from hongyixing.command.choices import (
    CLOCK_STATES,
    COMMAND_ROLES,
)
from hongyixing.command.models import (
    Assignment,
    Directive,
    GroupMember,
)
from hongyixing.command.services.common import (
    _assignee_users,
    _notices,
)
from hongyixing.core import audit, deadlines
from hongyixing.notices.services import Notice, notify_each


def _command_users(directives: Iterable[Directive]) -> dict[int, set[int]]:
    """Directive id → the issuing command: its office (district-office grants above the issuing unit),
    its commanders, and the issuer."""
    directives = list(directives)
    office = list(Grant.objects.filter(role="district_office").values_list("user_id", "unit__path"))
    commanders: dict[int, set[int]] = defaultdict(set)
    for user_id, unit_id in GroupMember.objects.filter(
        role__in=COMMAND_ROLES, group__unit_id__in={d.unit_id for d in directives}
    ).values_list("user_id", "group__unit_id"):
        commanders[unit_id].add(user_id)
    return {
        d.pk: {uid for uid, path in office if path and d.unit_path.startswith(path)}
        | commanders.get(d.unit_id, set())
        | {d.issuer_id}
        for d in directives
    }


# --- Escalation (提醒, 催办, 督办) ------------------------------------------------------------------

# (level, the assignment's time field, notification kind, who hears of it), highest first so that an
# assignment found long overdue (a stopped worker) is raised straight to its level, once.
LEVELS = deadlines.ladder(
    half="directive.half",
    late="directive.late",
    overdue="directive.overdue",
    supervision="directive.supervision",
)
AUDIENCE = {
    "directive.half": "target",
    "directive.late": "target",
    "directive.overdue": "target+issuer",
    "directive.supervision": "command",
}


def _escalation_messages() -> dict[str, str]:
    return {
        "directive.half": _(
            "Half of the time is used: directive %(number)s for %(target)s is due %(deadline)s"
        ),
        "directive.late": _(
            "80%% of the time is used: directive %(number)s for %(target)s is due %(deadline)s"
        ),
        "directive.overdue": _(
            "Urged (催办): %(target)s has not completed directive %(number)s, due %(deadline)s"
        ),
        "directive.supervision": _(
            "Supervised (督办): %(target)s is long overdue on directive %(number)s (due %(deadline)s)"
        ),
    }


@transaction.atomic
def do_escalate_directives(now: dt.datetime | None = None) -> dict[str, int]:
    """Raise every open assignment whose time has come to its level and notify once per level.

    Idempotent and safe with two workers: ``core.deadlines.escalate`` moves each level with one
    UPDATE over rows it has locked, and only the run that moved a row sends its notices."""
    now = now or timezone.now()
    messages = _escalation_messages()
    counts: dict[str, int] = {}
    open_assignments = Assignment.objects.filter(state__in=CLOCK_STATES).select_related("directive")
    for moved in deadlines.escalate(open_assignments, LEVELS, now, limit=2000, snapshots=True):
        kind, raised = moved.level.kind, moved.rows
        audience = AUDIENCE[kind]
        targets = _assignee_users(raised) if "target" in audience else {}
        command = _command_users(a.directive for a in raised) if audience == "command" else {}
        notices: list[Notice] = []
        for a in raised:
            directive: Any = a.directive
            users: set[int] = set(targets.get(a.pk, set()))
            if "issuer" in audience:
                users.add(directive.issuer_id)
            users |= command.get(directive.pk, set())
            text = messages[kind] % {
                "number": directive.number,
                "target": a.target_name,
                "deadline": timezone.localtime(a.deadline).strftime("%m-%d %H:%M"),
            }
            notices += _notices(users, kind, text)
        # The level is a change of the assignment: its change-log rows, in bulk like the notices.
        audit.log_bulk_update(None, zip(raised, moved.before, strict=True))
        audit.emit_bulk(f"assignment.{kind.split('.', 1)[1]}", raised)
        summary = _("%(count)d directive assignments: %(level)s") % {
            "count": len(raised),
            "level": _escalation_level_names()[kind],
        }
        notify_each(notices, summary=summary, now=now)
        counts[kind] = len(raised)
    return counts


def _escalation_level_names() -> dict[str, str]:
    return {
        "directive.half": "50%",
        "directive.late": "80%",
        "directive.overdue": _("urged"),
        "directive.supervision": _("supervised"),
    }
