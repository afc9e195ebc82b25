"""The projects API: major projects with their completion, and indicators against target."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from hongyixing.projects import queries

router = Router(tags=["projects"])


class ProjectOut(Schema):
    id: int
    name: str
    investor: str
    amount: Decimal
    sector: str
    stage: str
    unit_path: str
    concentrated_start: bool
    completed_percent: Decimal


class IndicatorOut(Schema):
    code: str
    unit_path: str
    period: dt.date
    value: Decimal
    target: Decimal | None
    last_year: Decimal | None
    behind: bool


@router.get(
    "", response=list[ProjectOut], summary="Major projects in scope, by share of investment completed"
)
def list_projects(request: HttpRequest) -> Any:
    return [
        {
            **{f: getattr(p, f) for f in ProjectOut.model_fields if f != "completed_percent"},
            "completed_percent": share,
        }
        for p, share in queries.ranking(request.user)
    ]


@router.get(
    "/indicators", response=list[IndicatorOut], summary="The latest indicators against target and last year"
)
def list_indicators(request: HttpRequest) -> Any:
    return [
        {
            "code": r.indicator.code,
            "unit_path": r.unit_path,
            "period": r.period,
            "value": r.value,
            "target": r.target,
            "last_year": r.last_year,
            "behind": r.behind,
        }
        for r in queries.indicator_rows(request.user)
    ]
