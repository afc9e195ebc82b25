"""Writes of major projects and indicators: town officers and the district office, in their scope."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from hongyixing.accounts.choices import Role
from hongyixing.accounts.permissions import roles_of
from hongyixing.core import audit
from hongyixing.core.errors import DomainError, NotFound
from hongyixing.core.scope import scope_for
from hongyixing.projects.choices import STAGE_ORDER, Sector, Stage
from hongyixing.projects.models import (
    Indicator,
    IndicatorTarget,
    IndicatorValue,
    Milestone,
    MonthlyInvestment,
    Project,
)

EDITOR_ROLES = frozenset({Role.TOWN_OFFICER, Role.DISTRICT_OFFICE})


def may_edit(user: Any, unit_path: str) -> bool:
    if getattr(user, "is_superuser", False):
        return True
    return bool(roles_of(user) & EDITOR_ROLES) and scope_for(user, "change").covers_path(unit_path)


def _require(user: Any, unit_path: str) -> None:
    if not may_edit(user, unit_path):
        raise NotFound()


def decimal(text: Any, field: str) -> Decimal:
    try:
        value = Decimal(str(text).replace(",", "").strip())
    except InvalidOperation:
        raise DomainError("projects.bad_number", _("Enter a number."), field) from None
    if not value.is_finite():
        raise DomainError("projects.bad_number", _("Enter a number."), field)
    return value.quantize(Decimal("0.01"))


@dataclass
class ProjectSpec:
    name: str
    investor: str
    amount: Decimal
    sector: str
    unit_path: str
    stage: str = Stage.SIGNED
    concentrated_start: bool = False
    planned_start: dt.date | None = None
    leader: str = ""


def check_project(spec: ProjectSpec) -> ProjectSpec:
    if not spec.name.strip() or not spec.investor.strip():
        raise DomainError("project.missing", _("Enter the project's name and investor."), "name")
    if spec.sector not in Sector.values:
        raise DomainError("project.bad_sector", _("Choose a sector."), "sector")
    if spec.stage not in Stage.values:
        raise DomainError("project.bad_stage", _("Choose a stage."), "stage")
    if spec.amount <= 0:
        raise DomainError("project.bad_amount", _("The investment must be more than zero."), "amount")
    spec.name, spec.investor, spec.leader = (
        spec.name.strip()[:120],
        spec.investor.strip()[:120],
        spec.leader[:60],
    )
    return spec


@transaction.atomic
def do_create_project(actor: Any, spec: ProjectSpec) -> Project:
    clean = check_project(spec)
    _require(actor, clean.unit_path)
    project = Project.objects.create(**clean.__dict__)
    audit.log_create(actor, project)
    audit.emit("project.created", project, actor)
    return project


@transaction.atomic
def do_set_stage(actor: Any, project: Project, stage: str) -> Project:
    locked = Project.objects.select_for_update().get(pk=project.pk)
    _require(actor, locked.unit_path)
    if stage not in Stage.values:
        raise DomainError("project.bad_stage", _("Choose a stage."), "stage")
    if STAGE_ORDER.index(stage) < STAGE_ORDER.index(locked.stage):
        raise DomainError("project.stage_back", _("A project's stage only moves forward."), "stage")
    before = audit.snapshot(locked)
    locked.stage = stage
    locked.save(update_fields=["stage"])
    audit.log_update(actor, locked, before)
    audit.emit("project.stage", locked, actor, data={"stage": stage})
    return locked


@transaction.atomic
def do_add_milestone(actor: Any, project: Project, name: str, planned: dt.date | None) -> Milestone:
    _require(actor, project.unit_path)
    if not name.strip() or planned is None:
        raise DomainError("milestone.missing", _("Enter the milestone and its planned date."), "name")
    milestone = Milestone.objects.create(
        project=project, unit_path=project.unit_path, name=name.strip()[:120], planned=planned
    )
    audit.log_create(actor, milestone)
    return milestone


@transaction.atomic
def do_reach_milestone(actor: Any, milestone: Milestone, actual: dt.date | None) -> Milestone:
    locked = Milestone.objects.select_for_update().get(pk=milestone.pk)
    _require(actor, locked.unit_path)
    if actual is None:
        raise DomainError("milestone.no_date", _("Enter the date it was reached."), "actual")
    before = audit.snapshot(locked)
    locked.actual, locked.escalation = actual, 0
    locked.save(update_fields=["actual", "escalation"])
    audit.log_update(actor, locked, before)
    audit.emit("project.milestone_reached", locked, actor, data={"late": actual > locked.planned})
    return locked


@transaction.atomic
def do_record_investment(
    actor: Any, project: Project, month: dt.date, planned: Decimal, actual: Decimal
) -> MonthlyInvestment:
    _require(actor, project.unit_path)
    if planned < 0 or actual < 0:
        raise DomainError("investment.negative", _("Investment cannot be negative."), "actual")
    first = month.replace(day=1)
    row = MonthlyInvestment.objects.select_for_update().filter(project=project, month=first).first()
    if row is None:
        row = MonthlyInvestment.objects.create(
            project=project, unit_path=project.unit_path, month=first, planned=planned, actual=actual
        )
        audit.log_create(actor, row)
    else:
        before = audit.snapshot(row)
        row.planned, row.actual = planned, actual
        row.save(update_fields=["planned", "actual"])
        audit.log_update(actor, row, before)
    return row


@transaction.atomic
def do_set_target(
    actor: Any, indicator: Indicator, unit_path: str, year: int, target: Decimal, department: str = ""
) -> IndicatorTarget:
    _require(actor, unit_path)
    row = (
        IndicatorTarget.objects.select_for_update()
        .filter(indicator=indicator, unit_path=unit_path, department=department, year=year)
        .first()
    )
    if row is None:
        row = IndicatorTarget.objects.create(
            indicator=indicator, unit_path=unit_path, department=department, year=year, target=target
        )
        audit.log_create(actor, row)
    else:
        before = audit.snapshot(row)
        row.target = target
        row.save(update_fields=["target"])
        audit.log_update(actor, row, before)
    return row


@transaction.atomic
def do_record_value(
    actor: Any, indicator: Indicator, unit_path: str, period: dt.date, value: Decimal, department: str = ""
) -> IndicatorValue:
    """Enter or correct one period's year-to-date value (the same for a form and an import)."""
    _require(actor, unit_path)
    first = period.replace(day=1)
    row = (
        IndicatorValue.objects.select_for_update()
        .filter(indicator=indicator, unit_path=unit_path, department=department, period=first)
        .first()
    )
    if row is None:
        row = IndicatorValue.objects.create(
            indicator=indicator,
            unit_path=unit_path,
            department=department,
            period=first,
            value=value,
            entered_by=actor,
        )
        audit.log_create(actor, row)
    else:
        before = audit.snapshot(row)
        row.value, row.entered_by = value, actor
        row.save(update_fields=["value", "entered_by"])
        audit.log_update(actor, row, before)
    return row


VALUE_HEADERS = {
    "indicator": ("指标", "指标名称", "指标代码"),
    "unit": ("镇街", "单位", "地区"),
    "period": ("月份", "期间", "统计月份"),
    "value": ("累计值", "本年累计", "数值"),
}


def do_import_values(actor: Any, data: bytes, filename: str) -> tuple[int, list[dict[str, Any]]]:
    """An xlsx/xls/csv of 指标, 镇街, 月份 (2020-03), 累计值 → recorded values; refused rows listed.

    Each row goes through :func:`do_record_value`, the same path as the form."""
    from hongyixing.areas.models import AdminUnit
    from hongyixing.exchange.tabular import FileRefused, read_table, word_counter

    words = frozenset(name for names in VALUE_HEADERS.values() for name in names)
    try:
        table = read_table(data, filename, count_headers=word_counter(words), header_words=words)
    except FileRefused as refused:
        raise DomainError("indicator.file_refused", refused.message) from None
    cleaned = ["".join(h.split()) for h in table.headers]
    columns = {
        key: next((cleaned.index(n) for n in names if n in cleaned), None)
        for key, names in VALUE_HEADERS.items()
    }
    if None in columns.values():
        raise DomainError("indicator.file_columns", _("The file needs 指标, 镇街, 月份 and 累计值 columns."))
    indicators = {i.name: i for i in Indicator.objects.all()} | {i.code: i for i in Indicator.objects.all()}
    units = dict(AdminUnit.objects.filter(level__in=("district", "town")).values_list("name", "path"))
    recorded, errors = 0, []
    for row in table.rows:
        cells = {
            key: row.cells[index].strip() if index is not None and index < len(row.cells) else ""
            for key, index in columns.items()
        }
        indicator = indicators.get(cells["indicator"])
        unit_path = units.get(cells["unit"], cells["unit"] if cells["unit"] in units.values() else "")
        try:
            period = dt.date.fromisoformat(cells["period"][:7] + "-01")
        except ValueError:
            period = None
        if indicator is None or not unit_path or period is None:
            errors.append({"row": row.number, "message": str(_("Unknown indicator, place or month."))})
            continue
        try:
            with transaction.atomic():
                do_record_value(actor, indicator, unit_path, period, decimal(cells["value"], "value"))
        except NotFound:
            errors.append({"row": row.number, "message": str(_("Outside your area."))})
            continue
        except DomainError as error:
            errors.append({"row": row.number, "message": str(error.message)})
            continue
        recorded += 1
    return recorded, errors
