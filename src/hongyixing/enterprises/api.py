"""The enterprises API: scoped and masked exactly like the pages; a refusal is a 400 with its code."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status

from hongyixing.core.bounds import Key
from hongyixing.core.errors import DomainError, ErrorOut
from hongyixing.enterprises import queries, staff, subsidies
from hongyixing.enterprises.models import Employee, Enterprise

router = Router(tags=["enterprises"])


class EnterpriseOut(Schema):
    id: int
    name: str
    credit_code: str
    unit_path: str
    industry: str
    above_scale: bool
    resumed_on: dt.date | None


class StaffOut(Schema):
    id: int
    name: str
    id_masked: str
    phone_masked: str
    origin: str
    planned_return: dt.date | None
    status: str
    until: dt.date | None


class StaffIn(Schema):
    name: str
    id_number: str
    phone: str = ""
    origin: str = ""
    distance_km: Key | None = None
    planned_return: dt.date | None = None
    new_hire: bool = False


class StaffListIn(Schema):
    rows: list[StaffIn]


class StaffResultOut(Schema):
    created: int
    linked: int
    risky: int
    tasks: int
    errors: list[dict[str, Any]]


class ClaimIn(Schema):
    kind: str
    employee_ids: list[int] = []
    claim_date: dt.date | None = None
    charter_cost: Decimal | None = None
    loan_amount: Decimal | None = None


class ClaimOut(Schema):
    id: int
    enterprise_id: Key
    kind: str
    state: str
    amount: Decimal
    claim_date: dt.date


def _error(error: DomainError) -> Any:
    return Status(error.status, {"code": error.code, "detail": str(error.message), "field": error.field})


def _enterprise(request: HttpRequest, enterprise_id: Key) -> Enterprise:
    return get_object_or_404(Enterprise.objects.restrict(request.user), pk=enterprise_id)


@router.get("", response=list[EnterpriseOut], summary="Enterprises in scope (a contact: their own)")
def list_enterprises(request: HttpRequest, town: str = "", industry: str = "", limit: Key = 200) -> Any:
    listing = queries.enterprises(request.user, unit_path=town, industry=industry)
    return list(listing[: max(1, min(limit, 1000))])


@router.get("/{enterprise_id}", response=EnterpriseOut)
def get_enterprise(request: HttpRequest, enterprise_id: Key) -> Any:
    return _enterprise(request, enterprise_id)


@router.get("/{enterprise_id}/staff", response=list[StaffOut], summary="Returning staff: masked, with status")
def list_staff(request: HttpRequest, enterprise_id: Key) -> Any:
    enterprise = _enterprise(request, enterprise_id)
    employees = list(Employee.objects.restrict(request.user).filter(enterprise=enterprise).order_by("name"))
    return [view.__dict__ for view in staff.staff_status(employees)]


@router.post("/{enterprise_id}/staff", response={201: StaffResultOut, 400: ErrorOut, 404: ErrorOut})
def add_staff(request: HttpRequest, enterprise_id: Key, payload: StaffListIn) -> Any:
    enterprise = _enterprise(request, enterprise_id)
    rows = [
        staff.StaffRow(
            n + 1,
            {
                "name": r.name,
                "id_number": r.id_number,
                "phone": r.phone,
                "origin": r.origin,
                "distance_km": "" if r.distance_km is None else str(r.distance_km),
                "planned_return": r.planned_return.isoformat() if r.planned_return else "",
                "new_hire": "是" if r.new_hire else "",
            },
        )
        for n, r in enumerate(payload.rows)
    ]
    try:
        result = staff.do_add_staff(request.user, enterprise, rows)
    except DomainError as error:
        return _error(error)
    return Status(201, result.__dict__)


@router.post("/{enterprise_id}/claims", response={201: ClaimOut, 400: ErrorOut, 404: ErrorOut})
def submit_claim(request: HttpRequest, enterprise_id: Key, payload: ClaimIn) -> Any:
    enterprise = _enterprise(request, enterprise_id)
    try:
        claim = subsidies.do_submit_claim(request.user, enterprise, subsidies.ClaimInput(**payload.dict()))
    except DomainError as error:
        return _error(error)
    return Status(201, claim)


@router.get("/claims/all", response=list[ClaimOut], summary="Subsidy claims in scope, newest first")
def list_claims(request: HttpRequest, state: str = "", limit: Key = 200) -> Any:
    return list(queries.claims(request.user, state)[: max(1, min(limit, 1000))])
