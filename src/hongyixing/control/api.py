from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Router, Schema

from hongyixing.control import queries, services
from hongyixing.control.choices import CheckSource
from hongyixing.core.bounds import Key

router = Router(tags=["control"])


class CheckIn(Schema):
    client_id: str
    measure_id: Key
    temperature: float | None = None
    symptoms: list[str] = []
    day: dt.date | None = None
    slot: str | None = None


class ChecksIn(Schema):
    checks: list[CheckIn]


class CheckResultOut(Schema):
    client_id: str
    check_id: int
    duplicate: bool
    abnormal: bool


class ChecksOut(Schema):
    results: list[CheckResultOut]


class MeasureOut(Schema):
    id: int
    person_id: int
    name: str
    type: str
    state: str
    start_date: dt.date
    end_date: dt.date
    unit_path: str
    grid_id: int | None
    version: int


class TodayOut(Schema):
    measure: MeasureOut
    morning_done: bool
    evening_done: bool
    tests_due: int
    open_alerts: int


_MEASURE_KEYS = tuple(MeasureOut.model_fields)


def _json(data: Any) -> HttpResponse:
    """The lean answer of the two hot routes (W2): built from plain values of the declared schema's
    shape (``ChecksOut``, ``list[TodayOut]``; tests/control/test_api_lean.py holds them to it) and
    encoded directly, without ninja validating hundreds of rows against the schema again."""
    return HttpResponse(json.dumps(data, cls=DjangoJSONEncoder), content_type="application/json")


def _measure(m: Any) -> dict[str, Any]:
    return {
        "id": m.pk,
        "person_id": m.person_id,
        "name": m.person.name,
        "type": m.type,
        "state": m.state,
        "start_date": m.start_date,
        "end_date": m.end_date,
        "unit_path": m.unit_path,
        "grid_id": m.grid_id,
        "version": m.version,
    }


@router.post(
    "/checks",
    response=ChecksOut,
    summary="Record health checks (one or a household's batch); a replayed client_id is acknowledged, "
    "never stored twice",
)
def post_checks(request: HttpRequest, payload: ChecksIn) -> Any:
    items = [
        services.CheckInput(c.client_id, c.measure_id, c.temperature, c.symptoms, c.day, c.slot)
        for c in payload.checks
    ]
    results = services.do_record_checks(request.user, items, CheckSource.TEAM)
    return _json(
        {
            "results": [
                {
                    "client_id": r.client_id,
                    "check_id": r.check_id,
                    "duplicate": r.duplicate,
                    "abnormal": r.abnormal,
                }
                for r in results
            ]
        }
    )


@router.get(
    "/today",
    response=list[TodayOut],
    summary="My people today: checks done, tests due, alerts (missing checks first; at most `limit`)",
)
def today(request: HttpRequest, limit: Key = 200) -> Any:
    return _json(
        [
            {
                "measure": {key: row[key] for key in _MEASURE_KEYS},
                "morning_done": bool(row["morning_done"]),
                "evening_done": bool(row["evening_done"]),
                "tests_due": row["tests_due"],
                "open_alerts": row["open_alerts"],
            }
            for row in queries.today_counts(request.user, limit=max(1, min(limit, 500)))
        ]
    )


# What the API's measure answer reads: the page's query (the same scope) without the person's
# sealed columns, the grid and the rule it does not show.
_MEASURE_COLUMNS = (*(k for k in _MEASURE_KEYS if k != "name"), "person__name")


@router.get("/measures/{measure_id}", response=MeasureOut)
def get_measure(request: HttpRequest, measure_id: Key) -> Any:
    visible = queries.visible_measure(request.user).select_related(None).select_related("person")
    return _measure(get_object_or_404(visible.only(*_MEASURE_COLUMNS), pk=measure_id))
