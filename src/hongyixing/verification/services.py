"""Every write of the verification pipeline: intake, linking and routing, task states, feedback, SLAs."""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from hongyixing.areas.district import district_path
from hongyixing.areas.models import Grid
from hongyixing.core import audit, deadlines
from hongyixing.core.bulk import insert_returning_ids
from hongyixing.core.crypto import seal, unseal
from hongyixing.core.errors import DomainError
from hongyixing.core.models import PiiAccessKind
from hongyixing.exchange.columns import FIELD_LABELS
from hongyixing.notices.services import Notice, notify_each
from hongyixing.rules.services import rules_in_force
from hongyixing.verification import linking
from hongyixing.verification.choices import (
    CLOCK_STATES,
    MEASURE_DISPOSITIONS,
    OPEN_STATES,
    Category,
    Disposition,
    RowStatus,
    TaskState,
)
from hongyixing.verification.feedback_input import FeedbackInput as FeedbackInput
from hongyixing.verification.feedback_input import feedback_problems
from hongyixing.verification.models import (
    Feedback,
    PushBatch,
    PushRow,
    PushSource,
    VerificationTask,
)
from hongyixing.verification.signals import measure_requested

DISTRICT_PATH = district_path()  # from configuration or the divisions file
# Below this routing confidence a person waits in the manual queue instead of reaching a grid.
ROUTE_THRESHOLD = 0.6
TOWN_PATH_LENGTH, VILLAGE_PATH_LENGTH = 9, 12


class IncomingRow(Protocol):
    row_number: int
    values: dict[str, str]
    raw: list[str]
    damaged_fields: set[str]


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


def _routing_reason(routing: Any) -> str:
    """What the desk reads, in plain words: where the address led and why the row is where it is (the
    gazetteer's own evidence trace is for developers, not translated)."""
    from hongyixing.areas.gazetteer import Gazetteer

    if routing.outside_district:
        return _("The address is outside the district: forward it to where the person is")
    if not routing.unit_path:
        if routing.suggestions:
            return _(
                "The address names no town or village of the district for certain; closest: %(near)s"
            ) % {"near": routing.suggestions[0].names}
        return _("The address names no town or village of the district")
    place = Gazetteer.get().chain(routing.unit_path)
    if routing.grid_id is not None and routing.confidence >= ROUTE_THRESHOLD:
        return _("Address placed at %(place)s, in one grid") % {"place": place}
    if routing.place_confidence < ROUTE_THRESHOLD:
        if "ambiguous" in routing.reason:
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

    return [
        RouteDecision(
            r.unit_path or "",
            r.grid_id,
            r.confidence,
            _routing_reason(r),
            r.outside_district,
            [
                {"unit_path": s.unit_path, "label": s.names, "score": round(s.score, 2), "grid_id": s.grid_id}
                for s in r.suggestions
            ],
            r.place_confidence,
        )
        for r in Gazetteer.get().route_many(addresses)
    ]


def _decide_routes(
    candidates: Sequence[linking.Candidate], residents: dict[int, linking.Resident]
) -> list[RouteDecision]:
    decisions: list[RouteDecision | None] = []
    need_gazetteer: list[int] = []
    for position, c in enumerate(candidates):
        if c.person_id is not None and residents[c.person_id].unit_path:
            home = residents[c.person_id]
            decisions.append(
                RouteDecision(
                    home.unit_path, home.grid_id, 1.0, _("Registered household"), place_confidence=1.0
                )
            )
        elif c.household_hint is not None and c.household_hint[1] is not None:
            decisions.append(
                RouteDecision(
                    c.household_hint[0],
                    c.household_hint[1],
                    0.7,
                    _("Household of the phone's owner"),
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


# Warn at 50 % and 80 % of the time; overdue goes to the town at once and to the district's
# supervision list (督办) once a further quarter of the allowed time (at least an hour) has passed.
sla_times = deadlines.clock_times


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
        unit_path=DISTRICT_PATH,
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

    open_tasks = dict(
        VerificationTask.objects.filter(
            person_id__in=[c.person_id for c in candidates if c.person_id], state__in=OPEN_STATES
        ).values_list("person_id", "id")
    )
    push_rows: list[PushRow] = []
    new_tasks: dict[str, VerificationTask] = {}
    first_rows: dict[str, int] = {}
    row_task_key: list[str | None] = []
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
        push_row = PushRow(
            batch=batch,
            row_number=row.row_number,
            row_key=_row_key(row)[:80],
            raw_ciphertext=seal(json.dumps(row.raw, ensure_ascii=False)),
            name=c.name[:60],
            document_masked=c.document_masked,
            phone_masked=c.phone_masked,
            address=c.address,
            category=batch.category,
            arrival_date=c.arrival_date,
            warnings=c.warnings,
            person_id=c.person_id,
            link_confidence=c.link_confidence,
            link_reason=c.link_reason[:200],
            unit_path=route.unit_path,
            grid_id=route.grid_id,
            route_confidence=route.confidence,
            route_reason=route.reason[:300],
            suggestions=route.suggestions[:5],
        )
        task_key: str | None = None
        if c.problem:
            push_row.status, push_row.problem = RowStatus.ATTENTION, c.problem[:200]
        elif c.person_id is not None and c.person_id in open_tasks:
            push_row.status, push_row.task_id = RowStatus.MERGED, open_tasks[c.person_id]
        elif identity_key in new_tasks:
            push_row.status, task_key = RowStatus.MERGED, identity_key
        elif identity_key in first_rows:
            # The same person earlier in the list went to the manual queue or out of the district:
            # this row follows it (and gets its task when that row is placed by hand).
            push_row.status, push_row.same_as_row = RowStatus.MERGED, first_rows[identity_key]
        elif route.outside:
            push_row.status = RowStatus.OUTSIDE
        elif (route.grid_id is None or route.confidence < ROUTE_THRESHOLD) and not route.desk_path:
            push_row.status = RowStatus.MANUAL
        else:
            at_grid = route.grid_id is not None and route.confidence >= ROUTE_THRESHOLD
            push_row.status, task_key = RowStatus.TASKED, identity_key
            new_tasks[identity_key] = VerificationTask(
                batch=batch,
                person_id=c.person_id,
                name=c.name[:60] or "—",
                category=batch.category,
                rule_id_pinned=chosen.pk,
                unit_path=route.unit_path,
                grid_id=route.grid_id if at_grid else None,
                waits_at="" if at_grid else route.desk_path,
                arrival_date=c.arrival_date,
                state=TaskState.DISPATCHED if at_grid else TaskState.WAITING,
                created_at=now,
                **sla_times(now, deadline),
            )
        push_rows.append(push_row)
        row_task_key.append(task_key)
        if not c.problem:
            first_rows.setdefault(identity_key, push_row.row_number)

    tasks = insert_returning_ids(VerificationTask, list(new_tasks.values()))
    for row_obj, key in zip(push_rows, row_task_key, strict=True):
        if key is not None:
            row_obj.task = new_tasks[key]
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


# --- Task life cycle ---------------------------------------------------------------------------

TRANSITIONS: dict[str, set[str]] = {
    "accept": {TaskState.NEW, TaskState.DISPATCHED, TaskState.RETURNED},
    "start": {TaskState.DISPATCHED, TaskState.ACCEPTED},
    "submit": {TaskState.DISPATCHED, TaskState.ACCEPTED, TaskState.IN_PROGRESS, TaskState.RETURNED},
    "confirm": {TaskState.SUBMITTED},
    "review": {TaskState.CONFIRMED},
    "close": {TaskState.REVIEWED},
    "return": {TaskState.SUBMITTED, TaskState.CONFIRMED},
    "forward": {TaskState.NEW, TaskState.DISPATCHED, TaskState.ACCEPTED, TaskState.RETURNED},
    "forward_out": {
        TaskState.NEW,
        TaskState.DISPATCHED,
        TaskState.ACCEPTED,
        TaskState.IN_PROGRESS,
        TaskState.RETURNED,
    },
    "reassign": {TaskState.NEW, TaskState.DISPATCHED, TaskState.ACCEPTED, TaskState.RETURNED},
    "assign": {TaskState.WAITING},
}
TARGET_STATE = {
    "accept": TaskState.ACCEPTED,
    "start": TaskState.IN_PROGRESS,
    "submit": TaskState.SUBMITTED,
    "confirm": TaskState.CONFIRMED,
    "review": TaskState.REVIEWED,
    "close": TaskState.CLOSED,
    "return": TaskState.RETURNED,
    "forward": TaskState.FORWARDED,
    "forward_out": TaskState.FORWARDED_OUT,
    "reassign": TaskState.DISPATCHED,
    "assign": TaskState.DISPATCHED,
}


def _locked_task(task: VerificationTask, user: Any, action: str = "change") -> VerificationTask:
    locked = VerificationTask.objects.select_for_update().restrict(user, action).filter(pk=task.pk).first()
    if locked is None:
        raise Http404
    return locked


@transaction.atomic
def do_transition(
    actor: Any,
    task: VerificationTask,
    action: str,
    *,
    note: str = "",
    grid: Grid | None = None,
    forwarded_to: str = "",
    expected_version: int | None = None,
) -> VerificationTask:
    """One state change, audited. ``forward`` moves the task to another town's desk (a new grid
    chosen there); ``forward_out`` sends it out of the district with the destination."""
    locked = _locked_task(task, actor)
    if expected_version is not None and locked.version != expected_version:
        raise DomainError("task.stale", _("Someone else changed this task; reload and try again."))
    if locked.state not in TRANSITIONS.get(action, set()):
        raise DomainError(
            "task.bad_transition",
            _("This task cannot be %(action)s in its state: %(state)s")
            % {"action": action, "state": locked.get_state_display()},
        )
    before = audit.snapshot(locked)
    locked.state = TARGET_STATE[action]
    locked.version = F("version") + 1
    if note:
        locked.note = note[:300]
    if action in ("reassign", "forward", "assign"):
        if grid is None:
            raise DomainError("task.no_grid", _("Choose the grid that takes this task."))
        if action == "assign" and not grid.unit_path.startswith(locked.waits_at):
            raise DomainError(
                "task.grid_elsewhere", _("That grid is not in the village or town this task waits at.")
            )
        locked.grid_id, locked.unit_path, locked.waits_at = grid.pk, grid.unit_path, ""
        if action == "forward":
            locked.state = TaskState.DISPATCHED
    if action == "forward_out":
        if not forwarded_to.strip():
            raise DomainError("task.no_destination", _("Say where the person went."))
        locked.forwarded_to = forwarded_to.strip()[:200]
        locked.closed_at = timezone.now()
    if action == "close":
        locked.closed_at = timezone.now()
    locked.save()
    locked.refresh_from_db()
    audit.log_update(actor, locked, before)
    audit.emit(f"task.{action}", locked, actor, data={"note": note[:300]} if note else None)
    return locked


def check_feedback(data: FeedbackInput) -> FeedbackInput:
    """The one validator of feedback (form and API): the first problem is refused with its field."""
    problems = feedback_problems(data)
    if problems:
        field_name, message = problems[0]
        raise DomainError("feedback.invalid", message, field=field_name)
    return data


def submit_feedback(actor: Any, task: VerificationTask, data: FeedbackInput) -> tuple[Feedback, bool]:
    """Idempotent by ``client_id``: a retry after a lost answer returns the stored feedback. Refuses
    what :func:`check_feedback` refuses, whoever calls."""
    check_feedback(data)
    existing = Feedback.objects.filter(client_id=data.client_id).select_related("task").first()
    if existing is not None:
        if existing.task_id != task.pk:
            raise DomainError("feedback.client_id_reused", _("This submission id belongs to another task."))
        return existing, False
    try:
        return do_submit_feedback(actor, task, data), True
    except IntegrityError:
        existing = Feedback.objects.filter(client_id=data.client_id).first()
        if existing is None:
            raise
        return existing, False


@transaction.atomic
def do_submit_feedback(actor: Any, task: VerificationTask, data: FeedbackInput) -> Feedback:
    locked = _locked_task(task, actor)
    if data.disposition not in Disposition.values:
        raise DomainError("feedback.bad_disposition", _("Choose a disposition."))
    if locked.state not in TRANSITIONS["submit"]:
        raise DomainError("task.bad_transition", _("This task is not waiting for feedback."))
    feedback = Feedback.objects.create(
        task=locked,
        client_id=data.client_id,
        submitted_by=actor,
        submitted_at=timezone.now(),
        contact_method=data.contact_method,
        current_location=data.current_location[:200],
        arrival_date=data.arrival_date,
        route=data.route[:300],
        symptoms=data.symptoms[:200],
        temperature=data.temperature,
        code_colour=data.code_colour,
        test_status=data.test_status,
        disposition=data.disposition,
        notes=data.notes[:500],
        photo=data.photo,
        latitude=data.latitude,
        longitude=data.longitude,
    )
    before = audit.snapshot(locked)
    locked.disposition = data.disposition
    locked.submitted_at = feedback.submitted_at
    # Not reached yet: the task stays open on the clock and keeps escalating.
    locked.state = (
        TaskState.IN_PROGRESS if data.disposition == Disposition.UNREACHABLE else TaskState.SUBMITTED
    )
    locked.measure_requested = MEASURE_DISPOSITIONS.get(Disposition(data.disposition), "")
    locked.version += 1
    locked.save()
    audit.log_create(actor, feedback)
    audit.log_update(actor, locked, before)
    audit.emit("task.feedback", locked, actor, data={"disposition": data.disposition})
    if locked.measure_requested:
        audit.emit(
            "measure.requested", locked, actor, data={"measure": locked.measure_requested, "task": locked.pk}
        )
        measure_requested.send(
            sender=VerificationTask,
            task=locked,
            actor=actor,
            measure=locked.measure_requested,
            arrival=data.arrival_date,
        )
    return feedback


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


@transaction.atomic
def do_create_task_for_person(
    actor: Any,
    person: Any,
    source: PushSource,
    *,
    reason: str,
    category: str = "general",
    now: dt.datetime | None = None,
) -> tuple[VerificationTask, bool]:
    """A task for a known resident raised from the field (a carpet-screening finding, a check …).

    The person joins the source's list of the day like any pushed row, routed to their registered
    grid. A person who already has an open task gets no second one: ``(task, False)``."""
    now = now or timezone.now()
    if person.grid_id is None:
        raise DomainError("task.no_grid", _("This person has no registered grid."))
    open_task = (
        VerificationTask.objects.select_for_update()
        .filter(person_id=person.pk, state__in=OPEN_STATES)
        .order_by("id")
        .first()
    )
    if open_task is not None:
        return open_task, False
    day = timezone.localtime(now).date().isoformat()
    batch = (
        PushBatch.objects.select_for_update()
        .filter(source=source, external_id=f"{source.code}-{day}")
        .first()
    )
    if batch is None:
        batch = PushBatch.objects.create(
            source=source,
            external_id=f"{source.code}-{day}",
            title=_("%(source)s %(day)s") % {"source": source.name, "day": day},
            category=category,
            received_at=now,
            unit_path=DISTRICT_PATH,
            headers=["name", "reason"],
            mapping={"name": "name"},
        )
        audit.log_create(actor, batch)
    rule = rules_in_force(now)
    chosen = rule.get(category) or rule.get("general")
    if chosen is None:
        raise DomainError("rules.missing", _("No verification rule is in force."))
    task = VerificationTask.objects.create(
        batch=batch,
        person_id=person.pk,
        name=person.name[:60],
        category=category,
        rule_id_pinned=chosen.pk,
        unit_path=person.unit_path,
        grid_id=person.grid_id,
        state=TaskState.DISPATCHED,
        created_at=now,
        note=reason[:300],
        **sla_times(now, now + dt.timedelta(minutes=chosen.deadline_minutes)),
    )
    row_number = batch.row_count + 1
    row = PushRow.objects.create(
        batch=batch,
        row_number=row_number,
        row_key=f"t{task.pk}",
        raw_ciphertext=seal(json.dumps([person.name, reason], ensure_ascii=False)),
        name=person.name[:60],
        document_masked=person.document_masked,
        category=category,
        status=RowStatus.TASKED,
        person_id=person.pk,
        link_confidence=1.0,
        link_reason=_("Known resident"),
        unit_path=person.unit_path,
        grid_id=person.grid_id,
        route_confidence=1.0,
        route_reason=_("Registered household"),
        task=task,
    )
    PushBatch.objects.filter(pk=batch.pk).update(row_count=F("row_count") + 1)
    audit.log_create(actor, task)
    audit.log_create(actor, row)
    audit.emit("task.dispatched", task, actor, data={"source": source.code, "reason": reason[:300]})
    return task, True


# Who may take each step (on top of having the task in their "change" scope).
DESK_ROLES = {"town_officer", "district_office"}
ACTION_ROLES: dict[str, set[str]] = {
    "accept": DESK_ROLES,
    "return": DESK_ROLES,
    "forward": DESK_ROLES,
    "forward_out": DESK_ROLES,
    "reassign": DESK_ROLES,
    "assign": DESK_ROLES | {"village_cadre"},
    "review": DESK_ROLES,
    "close": DESK_ROLES,
    "confirm": DESK_ROLES | {"village_cadre"},
    "start": DESK_ROLES | {"village_cadre", "grid_worker"},
}


def allowed_actions(user: Any, task: VerificationTask) -> list[str]:
    from hongyixing.accounts.permissions import roles_of

    if not task.in_scope(user, "change"):
        return []
    roles = roles_of(user) | ({"district_office"} if getattr(user, "is_superuser", False) else set())
    return [a for a, needed in ACTION_ROLES.items() if task.state in TRANSITIONS[a] and roles & needed]


def check_transition(actor: Any, task: VerificationTask, action: str, **kwargs: Any) -> VerificationTask:
    if action not in allowed_actions(actor, task):
        raise DomainError("task.not_allowed", _("You cannot do this with this task."))
    return do_transition(actor, task, action, **kwargs)


def numbers_to_call(actor: Any, task: VerificationTask) -> list[str]:
    """The numbers to call for a task the actor works on: purpose-bound, and logged like a reveal."""
    if not task.in_scope(actor, "change"):
        raise Http404
    numbers: list[str] = []
    if task.person is not None:
        numbers = [unseal(p.ciphertext) for p in task.person.phones.order_by("-is_primary", "id")]
    if not numbers:
        for row in task.rows.select_related("batch"):
            header = row.batch.mapping.get("phone")
            if header and header in row.batch.headers:
                raw = json.loads(unseal(row.raw_ciphertext))
                index = row.batch.headers.index(header)
                if index < len(raw) and str(raw[index]).strip():
                    numbers.append(str(raw[index]).strip())
    audit.log_pii_access(
        actor,
        PiiAccessKind.REVEAL,
        "phone",
        _("Verification call, task %(id)d") % {"id": task.pk},
        person_id=task.person_id,
        detail={"task": task.pk},
    )
    return numbers


def check_full_export(actor: Any, batch: PushBatch, reason: str) -> str:
    """Full ID numbers and phones leave only with the export and the reveal right and a reason."""
    from hongyixing.core.scope import scope_for

    reason = (reason or "").strip()
    if not (
        scope_for(actor, "export").covers_path(batch.unit_path)
        and scope_for(actor, "reveal").covers_path(batch.unit_path)
    ):
        raise DomainError("export.not_allowed", _("You may export this list with masked values only."))
    if len(reason) < 2:
        raise DomainError("export.reason", _("Give the reason for exporting full values."))
    return reason


def record_export(actor: Any, batch: PushBatch, rows: int, *, full: bool, reason: str = "") -> None:
    """A full export is logged like a reveal (who exported what, and why); a masked one as an event."""
    if full:
        audit.log_pii_access(
            actor,
            PiiAccessKind.EXPORT,
            "push_rows",
            reason,
            detail={"batch": batch.pk, "rows": rows},
        )
    audit.emit("batch.exported", batch, actor, data={"rows": rows, "full": full})


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
            unit_path=DISTRICT_PATH,
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


# --- SLA clock -------------------------------------------------------------------------------

LEVELS = deadlines.ladder(
    half="sla.half", late="sla.late", overdue="sla.overdue", supervision="sla.supervision"
)
# Who hears of each level.
AUDIENCE = {"sla.half": "grid", "sla.late": "grid", "sla.overdue": "town", "sla.supervision": "district"}


def _level_names() -> dict[str, str]:
    return {
        "sla.half": "50%",
        "sla.late": "80%",
        "sla.overdue": _("overdue"),
        "sla.supervision": _("supervision"),
    }


def _messages() -> dict[str, str]:
    return {
        "sla.half": _("Half of the time is used: verify %(name)s before %(deadline)s"),
        "sla.late": _("80%% of the time is used: verify %(name)s before %(deadline)s"),
        "sla.overdue": _("Overdue: %(name)s was due at %(deadline)s"),
        "sla.supervision": _("Supervision list: %(name)s is long overdue (due %(deadline)s)"),
    }


def _recipients(tasks: list[VerificationTask], audience: str) -> dict[int, list[int]]:
    """Task id → user ids who must hear of it, from grants (one query)."""
    from hongyixing.accounts.models import Grant

    result: dict[int, list[int]] = defaultdict(list)
    if audience == "grid":
        grants = Grant.objects.filter(role="grid_worker", grid_id__in={t.grid_id for t in tasks})
        by_grid: dict[int, list[int]] = defaultdict(list)
        for user_id, grid_id in grants.values_list("user_id", "grid_id"):
            by_grid[grid_id].append(user_id)
        for t in tasks:
            result[t.pk] = by_grid.get(t.grid_id or 0, [])
    elif audience == "town":
        grants = Grant.objects.filter(role="town_officer", unit__path__in={t.unit_path[:9] for t in tasks})
        by_town: dict[str, list[int]] = defaultdict(list)
        for user_id, path in grants.values_list("user_id", "unit__path"):
            by_town[path].append(user_id)
        for t in tasks:
            result[t.pk] = by_town.get(t.unit_path[:9], [])
    else:
        office = list(
            Grant.objects.filter(role="district_office").values_list("user_id", flat=True).distinct()
        )
        for t in tasks:
            result[t.pk] = office
    return result


@transaction.atomic
def do_escalate(now: dt.datetime | None = None) -> dict[str, int]:
    """Raise every task whose time has come to its level; notify once per level. Idempotent."""
    now = now or timezone.now()
    tz = timezone.get_current_timezone()
    messages = _messages()
    open_tasks = VerificationTask.objects.filter(state__in=CLOCK_STATES).only(
        "id", "grid_id", "unit_path", "name", "deadline", "person_id", "escalation"
    )
    counts: dict[str, int] = {}
    for moved in deadlines.escalate(open_tasks, LEVELS, now, limit=5000):
        kind, due = moved.level.kind, moved.rows
        recipients = _recipients(due, AUDIENCE[kind])
        notices = []
        for t in due:
            text = messages[kind] % {
                "name": t.name,
                "deadline": t.deadline.astimezone(tz).strftime("%m-%d %H:%M"),
            }
            link = reverse("verification:task", args=[t.pk])
            notices += [Notice(uid, kind, text, link=link, key=f"task:{t.pk}") for uid in recipients[t.pk]]
        audit.emit_bulk(f"task.{kind}", due)
        summary = _("%(count)d verification tasks: %(level)s") % {
            "count": len(due),
            "level": _level_names()[kind],
        }
        notify_each(notices, summary=summary, now=now)
        counts[kind] = len(due)
    return counts
