"""Issuing directives: numbering, checks, and the assignments they open."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from hongyixing.areas.models import AdminUnit
from hongyixing.command.models import (
    Assignment,
    Directive,
    DirectiveAttachment,
    WorkingGroup,
)
from hongyixing.command.services.common import (
    MAX_ATTACHMENT_BYTES,
    _assignee_users,
    _notices,
    _require_change,
    normalise_fields,
)
from hongyixing.core import audit, deadlines
from hongyixing.core.errors import DomainError
from hongyixing.notices.services import notify_each

# --- Directives ------------------------------------------------------------------------------------


def default_prefix(unit: AdminUnit) -> str:
    """洪泽区 → 洪指 (洪指〔2026〕12号); a town uses the first two characters of its name."""
    return (unit.name[:1] if unit.level in ("city", "district") else unit.name[:2]) + "指"


def directive_number(prefix: str, year: int, sequence: int) -> str:
    return f"{prefix}〔{year}〕{sequence}号"


@dataclass
class DirectiveInput:
    title: str
    content: str
    deadline: dt.datetime
    units: Sequence[AdminUnit] = ()
    groups: Sequence[WorkingGroup] = ()
    group: WorkingGroup | None = None
    feedback_text: bool = True
    feedback_file: bool = False
    feedback_fields: Sequence[dict[str, Any]] = ()
    attachments: Sequence[Any] = ()
    prefix: str = ""


def _next_sequence(prefix: str, year: int) -> int:
    current = Directive.objects.filter(prefix=prefix, year=year).aggregate(n=Max("sequence"))["n"]
    return (current or 0) + 1


def _local_year(moment: dt.datetime) -> int:
    return timezone.localtime(moment).year


def check_issue_directive(
    actor: Any, unit: AdminUnit, data: DirectiveInput, now: dt.datetime | None = None
) -> Directive:
    """Validate, then issue; a clash on the number (two issuers at the same moment) takes the next one."""
    now = now or timezone.now()
    _require_change(actor, unit.path)
    if not data.title.strip() or not data.content.strip():
        raise DomainError("directive.incomplete", _("A directive needs a title and content."))
    if data.deadline <= now:
        raise DomainError("directive.deadline_past", _("The deadline must be in the future."))
    if not data.units and not data.groups:
        raise DomainError("directive.no_target", _("Choose at least one unit or group."))
    for target in data.units:
        if not (target.path.startswith(unit.path) and target.path != unit.path):
            raise DomainError("directive.bad_target", _("A directive goes to units under the issuer."))
    for group in [*data.groups, *([data.group] if data.group else [])]:
        if group.unit_id != unit.pk:
            raise DomainError("directive.bad_group", _("The group belongs to another command."))
    for upload in data.attachments:
        if upload.size > MAX_ATTACHMENT_BYTES:
            raise DomainError("directive.file_too_large", _("An attachment is larger than 20 MB."))
    fields = normalise_fields(data.feedback_fields)
    for attempt in range(5):
        try:
            return do_issue_directive(actor, unit, data, fields, now)
        except IntegrityError:
            if attempt == 4:
                raise
    raise AssertionError("unreachable")


@transaction.atomic
def do_issue_directive(
    actor: Any, unit: AdminUnit, data: DirectiveInput, fields: list[dict[str, str]], now: dt.datetime
) -> Directive:
    prefix = (data.prefix or default_prefix(unit))[:12]
    year = _local_year(now)
    sequence = _next_sequence(prefix, year)
    directive = Directive.objects.create(
        unit=unit,
        unit_path=unit.path,
        group=data.group,
        issuer=actor,
        prefix=prefix,
        year=year,
        sequence=sequence,
        number=directive_number(prefix, year, sequence),
        title=data.title.strip()[:200],
        content=data.content.strip(),
        issued_at=now,
        deadline=data.deadline,
        feedback_text=data.feedback_text,
        feedback_file=data.feedback_file,
        feedback_fields=fields,
    )
    audit.log_create(actor, directive)
    for upload in data.attachments:
        attachment = DirectiveAttachment.objects.create(
            directive=directive,
            file=upload,
            name=str(getattr(upload, "name", "file"))[:200],
            size=upload.size,
            uploaded_by=actor,
            uploaded_at=now,
        )
        audit.log_create(actor, attachment)
    clock = deadlines.clock_times(now, data.deadline)
    assignments = [
        Assignment(
            directive=directive, unit=target, unit_path=target.path, target_name=target.name[:100], **clock
        )
        for target in sorted(data.units, key=lambda u: u.path)
    ] + [
        Assignment(directive=directive, group=g, unit_path=unit.path, target_name=g.name[:100], **clock)
        for g in sorted(data.groups, key=lambda g: g.position)
    ]
    Assignment.objects.bulk_create(assignments)
    created = list(Assignment.objects.filter(directive=directive).order_by("id"))
    audit.log_bulk_create(actor, created)
    audit.emit(
        "directive.issued", directive, actor, data={"number": directive.number, "targets": len(created)}
    )
    audit.emit_bulk("assignment.issued", created, actor)
    text = _("New directive %(number)s: %(title)s (due %(deadline)s)") % {
        "number": directive.number,
        "title": directive.title,
        "deadline": timezone.localtime(directive.deadline).strftime("%m-%d %H:%M"),
    }
    recipients = _assignee_users(created)
    notices = [n for a in created for n in _notices(recipients[a.pk], "directive.issued", text)]
    notify_each(notices, summary=text, now=now)
    return directive
