"""Intake: a pushed list or a self-registration becomes a batch of rows, each linked to a resident,
routed, and tasked, merged, held for the desk or sent out of the district."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from hongyixing.core import audit
from hongyixing.core.bulk import insert_returning_ids, instances
from hongyixing.core.crypto import seal
from hongyixing.core.errors import DomainError
from hongyixing.exchange.columns import FIELD_LABELS
from hongyixing.rules.services import rules_in_force
from hongyixing.verification import linking
from hongyixing.verification.choices import OPEN_STATES, Category, RowStatus, TaskState
from hongyixing.verification.models import PushBatch, PushRow, PushSource, VerificationTask
from hongyixing.verification.services import common
from hongyixing.verification.services.common import ROUTE_THRESHOLD, sla_times
from hongyixing.verification.services.routing import RouteDecision, _decide_routes


class IncomingRow(Protocol):
    row_number: int
    values: dict[str, str]
    raw: list[str]

    @property
    def damaged_fields(self) -> AbstractSet[str]: ...


@dataclass
class PlainRow:
    """An incoming row from the API or the self-registration form (files give exchange.MappedRow)."""

    row_number: int
    values: dict[str, str]
    raw: list[str]
    damaged_fields: set[str] = field(default_factory=set)
    row_key: str = ""


@dataclass
class IntakeResult:
    batch: PushBatch
    duplicate: bool = False
    counts: dict[str, int] = field(default_factory=dict)


def find_duplicate(source: PushSource, *, fingerprint: str = "", external_id: str = "") -> PushBatch | None:
    """The batch a list was already received as: the same sender's batch id, or the same file."""
    if external_id:
        return PushBatch.objects.filter(source=source, external_id=external_id).first()
    if fingerprint:
        return PushBatch.objects.filter(source=source, fingerprint=fingerprint).order_by("id").first()
    return None


@transaction.atomic
def do_intake(
    actor: Any,
    source: PushSource,
    rows: Sequence[IncomingRow],
    *,
    title: str,
    category: str,
    headers: Sequence[str] = (),
    mapping: dict[str, Any] | None = None,
    file_name: str = "",
    fingerprint: str = "",
    external_id: str = "",
    skipped: Sequence[Any] = (),
    received_at: dt.datetime | None = None,
) -> IntakeResult:
    """Take a whole list in one transaction: every row ends tasked, merged, manual, outside or held.

    The rules of a list resent (the same sender's batch id, or the same file) live here, for the file
    upload and the API alike: the batch already received comes back with ``duplicate=True``."""
    if category not in Category.values:
        raise DomainError("intake.bad_category", _("Unknown category."), "category")
    existing = find_duplicate(source, fingerprint=fingerprint, external_id=external_id)
    if existing is not None:
        return IntakeResult(batch=existing, duplicate=True)
    keys = [_row_key(row) for row in rows]
    if len(set(keys)) != len(keys):
        raise DomainError("intake.duplicate_row_key", _("row_key values must be unique."), "rows")
    now = received_at or timezone.now()
    batch = PushBatch.objects.create(
        source=source,
        external_id=external_id,
        title=title[:200],
        file_name=file_name[:200],
        fingerprint=fingerprint,
        category=category,
        received_at=now,
        received_by=actor if getattr(actor, "is_authenticated", False) else None,
        unit_path=common.DISTRICT_PATH,
        headers=list(headers),
        mapping=mapping or {},
        row_count=len(rows),
        skipped=list(skipped),
    )
    audit.log_create(actor, batch)
    result = _take_rows(actor, batch, rows, now)
    audit.emit("batch.received", batch, actor, data=result.counts)
    return result


def field_label(name: str) -> str:
    return str(FIELD_LABELS.get(name, name))


def _row_key(row: IncomingRow) -> str:
    return getattr(row, "row_key", "") or f"r{row.row_number}"


def _take_rows(actor: Any, batch: PushBatch, rows: Sequence[IncomingRow], now: dt.datetime) -> IntakeResult:
    today = timezone.localtime(now).date()
    candidates = [linking.prepare(row.row_number, row.values, row.damaged_fields, today) for row in rows]
    for row, c in zip(rows, candidates, strict=True):
        for name in sorted(getattr(row, "formula_fields", ())):
            c.warnings.append(
                _("The %(field)s cell holds a formula whose result was not saved; its text is kept: %(text)s")
                % {"field": field_label(name), "text": row.values.get(name, "")[:60]}
            )
    residents = linking.link(candidates)
    routes = _decide_routes(candidates, residents)
    placed = linking.link_by_place(candidates, [route.unit_path for route in routes])
    if placed:
        residents.update(placed)
        for position, c in enumerate(candidates):
            if c.person_id in placed:
                home = placed[c.person_id]
                routes[position] = RouteDecision(
                    home.unit_path, home.grid_id, 1.0, _("Registered household"), place_confidence=1.0
                )
    rule = rules_in_force(now)
    chosen = rule.get(batch.category) or rule.get("general")
    if chosen is None:
        raise DomainError("rules.missing", _("No verification rule is in force."))
    deadline = now + dt.timedelta(minutes=chosen.deadline_minutes)
    # Every task of the list has the same clock: computed once, not per row.
    clock = sla_times(now, deadline)

    open_tasks = dict(
        VerificationTask.objects.filter(
            person_id__in=[c.person_id for c in candidates if c.person_id], state__in=OPEN_STATES
        ).values_list("person_id", "id")
    )
    push_values: list[dict[str, Any]] = []
    new_tasks: dict[str, dict[str, Any]] = {}
    first_rows: dict[str, int] = {}
    row_task_key: list[str | None] = []
    raw_texts = json.JSONEncoder(ensure_ascii=False).encode
    for row, c, route in zip(rows, candidates, routes, strict=True):
        identity_key = (
            f"p{c.person_id}"
            if c.person_id
            else f"i{c.id_index}"
            if c.id_index
            else f"t{c.phone_index}:{c.name}"
            if c.phone_index
            else f"n{c.name}:{c.address}"
        )
        push_row: dict[str, Any] = {
            "batch_id": batch.pk,
            "row_number": row.row_number,
            "row_key": _row_key(row)[:80],
            "raw_ciphertext": seal(raw_texts(row.raw)),
            "name": c.name[:60],
            "document_masked": c.document_masked,
            "phone_masked": c.phone_masked,
            "address": c.address,
            "category": batch.category,
            "arrival_date": c.arrival_date,
            "warnings": c.warnings,
            "person_id": c.person_id,
            "link_confidence": c.link_confidence,
            "link_reason": c.link_reason[:200],
            "unit_path": route.unit_path,
            "grid_id": route.grid_id,
            "route_confidence": route.confidence,
            "route_reason": route.reason[:300],
            "suggestions": route.suggestions[:5],
        }
        task_key: str | None = None
        if c.problem:
            push_row["status"], push_row["problem"] = RowStatus.ATTENTION, c.problem[:200]
        elif c.person_id is not None and c.person_id in open_tasks:
            push_row["status"], push_row["task_id"] = RowStatus.MERGED, open_tasks[c.person_id]
        elif identity_key in new_tasks:
            push_row["status"], task_key = RowStatus.MERGED, identity_key
        elif identity_key in first_rows:
            # The same person earlier in the list went to the manual queue or out of the district:
            # this row follows it (and gets its task when that row is placed by hand).
            push_row["status"], push_row["same_as_row"] = RowStatus.MERGED, first_rows[identity_key]
        elif route.outside:
            push_row["status"] = RowStatus.OUTSIDE
        elif (route.grid_id is None or route.confidence < ROUTE_THRESHOLD) and not route.desk_path:
            push_row["status"] = RowStatus.MANUAL
        else:
            at_grid = route.grid_id is not None and route.confidence >= ROUTE_THRESHOLD
            push_row["status"], task_key = RowStatus.TASKED, identity_key
            new_tasks[identity_key] = {
                "batch_id": batch.pk,
                "person_id": c.person_id,
                "name": c.name[:60] or "—",
                "category": batch.category,
                "rule_id_pinned": chosen.pk,
                "unit_path": route.unit_path,
                "grid_id": route.grid_id if at_grid else None,
                "waits_at": "" if at_grid else route.desk_path,
                "arrival_date": c.arrival_date,
                "state": TaskState.DISPATCHED if at_grid else TaskState.WAITING,
                "created_at": now,
                **clock,
            }
        push_values.append(push_row)
        row_task_key.append(task_key)
        if not c.problem:
            first_rows.setdefault(identity_key, row.row_number)

    task_keys = list(new_tasks)
    tasks = insert_returning_ids(VerificationTask, instances(VerificationTask, list(new_tasks.values())))
    task_ids = {key: task.pk for key, task in zip(task_keys, tasks, strict=True)}
    for values, key in zip(push_values, row_task_key, strict=True):
        if key is not None:
            values["task_id"] = task_ids[key]
    push_rows = instances(PushRow, push_values)
    try:
        insert_returning_ids(PushRow, push_rows)
    except IntegrityError as error:
        raise DomainError("batch.duplicate_row_key", _("Two rows have the same row key.")) from error
    audit.log_bulk_create(actor, tasks)
    audit.emit_bulk("task.dispatched", tasks, actor)
    audit.log_bulk_create(actor, push_rows)
    counts = dict.fromkeys(RowStatus.values, 0)
    for row_obj in push_rows:
        counts[row_obj.status] += 1
    counts["tasks"] = len(tasks)
    return IntakeResult(batch=batch, counts=counts)


SELF_REGISTRATION_FIELDS = (
    "name",
    "sex",
    "id_number",
    "phone",
    "domicile",
    "address",
    "work_unit",
    "origin",
    "transit",
    "arrival_time",
    "transport",
    "transport_number",
    "companions",
    "travel_14d",
    "contact_history",
    "temperature",
    "symptoms",
    "code_colour",
    "test",
    "planned_stay",
)


@transaction.atomic
def do_self_register(values: dict[str, str], submission_id: str, now: dt.datetime | None = None) -> PushRow:
    """A returnee's own registration (返乡/来洪登记) joins the day's self-registration list and the same
    pipeline as any pushed row. ``submission_id`` (from the form) makes a double submit harmless."""
    now = now or timezone.now()
    source = PushSource.objects.get(code="self-registration")
    day = timezone.localtime(now).date()
    title = _("Self-registration %(day)s") % {"day": day.isoformat()}
    batch = PushBatch.objects.filter(source=source, external_id=f"self-{day.isoformat()}").first()
    if batch is None:
        batch = PushBatch.objects.create(
            source=source,
            external_id=f"self-{day.isoformat()}",
            title=title,
            category="arrival",
            received_at=now,
            unit_path=common.DISTRICT_PATH,
            headers=list(SELF_REGISTRATION_FIELDS),
            mapping={"name": "name", "id_number": "id_number", "phone": "phone", "address": "address"},
        )
        audit.log_create(None, batch)
    existing = PushRow.objects.filter(batch=batch, row_key=submission_id[:80]).first()
    if existing is not None:
        return existing
    row = PlainRow(
        row_number=batch.row_count + 1,
        values=values,
        raw=[values.get(f, "") for f in SELF_REGISTRATION_FIELDS],
        row_key=submission_id,
    )
    # The clock of a self-registration starts when the person registers, not when the day's list opened.
    _take_rows(None, batch, [row], now)
    PushBatch.objects.filter(pk=batch.pk).update(row_count=F("row_count") + 1)
    return PushRow.objects.get(batch=batch, row_key=submission_id[:80])
