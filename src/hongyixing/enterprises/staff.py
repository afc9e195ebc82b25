"""Returning staff (返岗员工): listed by the enterprise, linked to the registry with verification's own
linking functions, and a returnee from a risky place raised as a verification task exactly once.

The enterprise sees only a status per employee (可返岗 / 待核查 / 管控中 until a date) and masked numbers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hongyixing.core import audit
from hongyixing.core.bulk import insert_returning_ids
from hongyixing.core.crypto import seal
from hongyixing.core.errors import DomainError, NotFound
from hongyixing.enterprises.choices import StaffStatus
from hongyixing.enterprises.models import Employee, Enterprise, RiskOrigin
from hongyixing.enterprises.services import is_contact, is_reviewer

MAX_ROWS = 5000
STAFF_HEADERS = {
    "name": ("姓名", "员工姓名"),
    "id_number": ("身份证号", "身份证号码", "证件号码"),
    "phone": ("手机号", "联系电话", "手机号码", "电话"),
    "origin": ("来源地", "返回地", "出发地", "籍贯", "从何地返回"),
    "distance_km": ("距离(公里)", "距离", "里程"),
    "planned_return": ("计划返岗日期", "返岗日期", "预计返岗时间"),
    "new_hire": ("是否新招", "新招员工"),
}


@dataclass
class StaffRow:
    row_number: int
    values: dict[str, str]


@dataclass
class StaffResult:
    created: int = 0
    linked: int = 0
    risky: int = 0
    tasks: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)


def risky_places(on: dt.date) -> list[RiskOrigin]:
    return list(
        RiskOrigin.objects.filter(valid_from__lte=on).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
    )


def _risk_of(origin: str, places: Sequence[RiskOrigin]) -> RiskOrigin | None:
    text = "".join(origin.split())
    for place in places:
        if place.place and place.place in text:
            return place
    return None


def _date(text: str) -> dt.date | None:
    text = text.strip().replace("/", "-").replace(".", "-")
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _require_staff_access(actor: Any, enterprise: Enterprise) -> None:
    if not (is_contact(actor, enterprise.pk) or is_reviewer(actor, enterprise.unit_path)):
        raise NotFound()


@transaction.atomic
def do_add_staff(actor: Any, enterprise: Enterprise, rows: Sequence[StaffRow]) -> StaffResult:
    """Rows from the form or a spreadsheet → employees, linked set-based; risky returnees → tasks.

    A row whose ID is already on this enterprise's list is reported, not added twice."""
    from hongyixing.verification import linking

    _require_staff_access(actor, enterprise)
    if len(rows) > MAX_ROWS:
        raise DomainError("staff.too_many", _("At most 5,000 employees per upload."))
    result = StaffResult()
    candidates = []
    for row in rows:
        candidate = linking.prepare(row.row_number, row.values)
        if not candidate.name:
            result.errors.append({"row": row.row_number, "message": str(_("The name is missing."))})
            continue
        if not candidate.id_index:
            result.errors.append({"row": row.row_number, "message": str(_("A valid ID number is needed."))})
            continue
        candidates.append((candidate, row))
    linking.link([c for c, _row in candidates])
    existing = set(
        Employee.objects.filter(
            enterprise=enterprise, id_index__in=[c.id_index for c, _row in candidates]
        ).values_list("id_index", flat=True)
    )
    today = timezone.localdate()
    places = risky_places(today)
    employees: list[Employee] = []
    for candidate, row in candidates:
        if candidate.id_index in existing:
            result.errors.append(
                {"row": row.row_number, "message": str(_("This employee is already on your list."))}
            )
            continue
        existing.add(candidate.id_index or "")
        phone = "".join(ch for ch in row.values.get("phone", "") if ch.isdigit())
        origin = row.values.get("origin", "").strip()[:100]
        distance = row.values.get("distance_km", "").strip()
        employees.append(
            Employee(
                enterprise=enterprise,
                unit_path=enterprise.unit_path,
                name=candidate.name[:60],
                id_ciphertext=seal(candidate.id_number),
                id_index=candidate.id_index or "",
                id_masked=candidate.document_masked,
                phone_ciphertext=seal(phone) if phone else "",
                phone_masked=candidate.phone_masked,
                origin=origin,
                distance_km=int(distance) if distance.isdigit() else None,
                planned_return=_date(row.values.get("planned_return", "")),
                new_hire=row.values.get("new_hire", "").strip()
                in ("是", "1", "Y", "y", "yes", "true", "True"),
                person_id=candidate.person_id,
                link_reason=str(candidate.link_reason)[:120],
                risky=_risk_of(origin, places) is not None,
            )
        )
    # One multi-row INSERT … RETURNING (COPY on PostgreSQL): the ORM's bulk_create compiles per field.
    created = insert_returning_ids(Employee, employees)
    audit.log_bulk_create(actor, created)
    result.created = len(created)
    result.linked = sum(1 for e in created if e.person_id)
    risky = [e for e in created if e.risky]
    result.risky = len(risky)
    result.tasks = raise_tasks(actor, risky, places)
    audit.emit("enterprise.staff_listed", enterprise, actor, data={"rows": len(created), "risky": len(risky)})
    return result


def raise_tasks(actor: Any, employees: Sequence[Employee], places: Sequence[RiskOrigin]) -> int:
    """Each risky, linked returnee without a task gets one through verification's own service.

    Exactly once: the employee keeps its task, and the service returns a person's open task rather
    than opening a second. Unlinked returnees stay "being verified" for the town to place by hand."""
    from hongyixing.people.models import Person
    from hongyixing.verification.models import PushSource
    from hongyixing.verification.services import do_create_task_for_person

    todo = [e for e in employees if e.risky and e.person_id and e.task_id is None]
    if not todo:
        return 0
    source = PushSource.objects.get(code="employer")
    persons = Person.objects.in_bulk([e.person_id for e in todo])
    raised = 0
    for employee in todo:
        person = persons.get(employee.person_id or 0)
        if person is None or person.grid_id is None:
            continue
        rule = _risk_of(employee.origin, places)
        reason = _("Returning to %(enterprise)s from %(origin)s") % {
            "enterprise": employee.enterprise.name,
            "origin": employee.origin,
        }
        task, created = do_create_task_for_person(
            actor, person, source, reason=str(reason), category=rule.category if rule else "general"
        )
        Employee.objects.filter(pk=employee.pk).update(task=task)
        employee.task = task
        raised += int(created)
    return raised


@dataclass(frozen=True)
class StaffView:
    """What an enterprise sees of one employee: masked numbers and a status, never the verification."""

    id: int
    name: str
    id_masked: str
    phone_masked: str
    origin: str
    planned_return: dt.date | None
    status: str
    status_label: str
    until: dt.date | None


def staff_status(employees: Sequence[Employee]) -> list[StaffView]:
    """Statuses for a page of employees, in three queries whatever the page size."""
    from hongyixing.control.choices import MeasureState
    from hongyixing.control.models import Measure
    from hongyixing.verification.choices import OPEN_STATES
    from hongyixing.verification.models import VerificationTask

    person_ids = [e.person_id for e in employees if e.person_id]
    until: dict[int, dt.date] = {}
    end: dt.date | None
    for person_id, end in Measure.objects.filter(
        person_id__in=person_ids, state=MeasureState.ACTIVE
    ).values_list("person_id", "end_date"):
        until[person_id] = max(end, until.get(person_id, end))
    open_tasks = set(
        VerificationTask.objects.filter(
            pk__in=[e.task_id for e in employees if e.task_id], state__in=OPEN_STATES
        ).values_list("pk", flat=True)
    )
    views = []
    for e in employees:
        end = until.get(e.person_id or 0)
        if end is not None:
            status = StaffStatus.CONTROLLED
        elif (e.task_id in open_tasks) or (e.risky and e.task_id is None):
            status = StaffStatus.PENDING
        else:
            status = StaffStatus.CLEARED
        views.append(
            StaffView(
                id=e.pk,
                name=e.name,
                id_masked=e.id_masked,
                phone_masked=e.phone_masked,
                origin=e.origin,
                planned_return=e.planned_return,
                status=status.value,
                status_label=str(status.label),
                until=end,
            )
        )
    return views


def rows_from_table(data: bytes, filename: str) -> list[StaffRow]:
    """A staff spreadsheet read by exchange.tabular → rows keyed by our field names."""
    from hongyixing.exchange.tabular import FileRefused, read_table

    try:
        table = read_table(data, filename, max_rows=MAX_ROWS)
    except FileRefused as refused:
        raise DomainError("staff.file_refused", refused.message) from None
    cleaned = ["".join(h.split()) for h in table.headers]
    columns: dict[str, int] = {}
    for key, names in STAFF_HEADERS.items():
        for name in names:
            if name in cleaned:
                columns[key] = cleaned.index(name)
                break
    if "name" not in columns or "id_number" not in columns:
        raise DomainError("staff.file_columns", _("The file needs a name and an ID-number column."))
    return [
        StaffRow(
            row.number,
            {key: row.cells[index] if index < len(row.cells) else "" for key, index in columns.items()},
        )
        for row in table.rows
    ]


@transaction.atomic
def do_mark_risky_origin(
    actor: Any, place: str, valid_from: dt.date, note: str = "", valid_to: dt.date | None = None
) -> RiskOrigin:
    """The command marks a place of origin risky from a date (rule data: returnees from there are
    verified). The same place and start date twice is the same rule."""
    place = place.strip()
    if not place:
        raise DomainError("risk_origin.no_place", _("Name the place."), "place")
    origin = RiskOrigin.objects.filter(place=place, valid_from=valid_from).first()
    if origin is not None:
        return origin
    origin = RiskOrigin.objects.create(place=place, valid_from=valid_from, valid_to=valid_to, note=note)
    audit.log_create(actor, origin)
    return origin
