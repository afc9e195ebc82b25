"""The check-in API's lean path (W2): answers built without ninja's response validation still have
the declared schema's shape and the same rows as the page's query; the scope test the check-in
path applies to rows read by id is restrict()'s; the per-column insert stores what the fields would."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from decimal import Decimal

import pytest
from pydantic import TypeAdapter

from hongyixing.accounts.services import do_issue_token
from hongyixing.control import queries, services
from hongyixing.control.api import ChecksOut, TodayOut
from hongyixing.control.choices import MeasureType
from hongyixing.control.models import Alert, HealthCheck, Measure
from tests.control.conftest import frozen, local
from tests.personas import World

pytestmark = pytest.mark.django_db


def _open(world: World, place: str, index: int) -> Measure:
    person = getattr(world, place).persons[index]
    return services.do_open_measure(
        world.users["district"], person, services.MeasureSpec(type=MeasureType.HOME_ISOLATION)
    )


def _api(client, method: str, path: str, key: str, body: object = None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    if method == "POST":
        return client.post(path, json.dumps(body), content_type="application/json", **headers)
    return client.get(path, **headers)


def test_today_answers_the_schema_and_the_page_s_rows(world: World, client) -> None:
    with frozen(local(2026, 11, 29, 19)):
        first, second = (_open(world, "a", i) for i in range(2))
        user = world.users["grid_a1"]
        _token, key = do_issue_token(user, "lean")
        checks = [
            services.CheckInput(str(uuid.uuid4()), first.pk, "36.5", slot="m"),
            services.CheckInput(str(uuid.uuid4()), first.pk, "36.6", slot="e"),
            services.CheckInput(str(uuid.uuid4()), second.pk, "38.4", slot="e"),  # an alert
        ]
        services.do_record_checks(user, checks)
        response = _api(client, "GET", "/api/control/today", key)
        page_rows = queries.my_people_today(user, limit=200)
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    body = response.json()
    validated = TypeAdapter(list[TodayOut]).validate_python(body)
    assert [row.model_dump(mode="json") for row in validated] == body  # nothing missing, nothing more
    assert [row["measure"]["id"] for row in body] == [row.measure.pk for row in page_rows]
    assert {row.measure.pk for row in page_rows} >= {first.pk, second.pk}
    by_id = {row["measure"]["id"]: row for row in body}
    for row in page_rows:
        lean = by_id[row.measure.pk]
        assert (lean["morning_done"], lean["evening_done"]) == (
            row.morning is not None,
            row.evening is not None,
        )
        assert (lean["tests_due"], lean["open_alerts"]) == (len(row.samples_due), row.open_alerts)
        assert lean["measure"]["name"] == row.measure.person.name
        assert lean["measure"]["start_date"] == row.measure.start_date.isoformat()
    assert by_id[first.pk]["morning_done"] and by_id[first.pk]["evening_done"]
    assert by_id[second.pk]["open_alerts"] == Alert.objects.filter(measure=second, state="open").count() >= 1
    assert body[-1]["measure"]["id"] == first.pk  # everything done: last


def test_today_limit_and_scope(world: World, client) -> None:
    with frozen(local(2026, 11, 29, 9)):
        mine = [_open(world, "a", i) for i in range(2)]
        theirs = _open(world, "b", 0)
        _token, key = do_issue_token(world.users["grid_a1"], "lean")
        full = _api(client, "GET", "/api/control/today", key).json()
        one = _api(client, "GET", "/api/control/today?limit=1", key).json()
    ids = [row["measure"]["id"] for row in full]
    assert set(ids) >= {m.pk for m in mine} and theirs.pk not in ids
    assert [row["measure"]["id"] for row in one] == ids[:1]


def test_check_answers_the_schema(world: World, client) -> None:
    with frozen(local(2026, 11, 29, 9)):
        measure = _open(world, "a", 0)
        _token, key = do_issue_token(world.users["grid_a1"], "lean")
        body = {"checks": [{"client_id": str(uuid.uuid4()), "measure_id": measure.pk, "temperature": 38.6}]}
        first = _api(client, "POST", "/api/control/checks", key, body)
        again = _api(client, "POST", "/api/control/checks", key, body)
    for response in (first, again):
        assert response.status_code == 200 and response["Content-Type"] == "application/json"
        assert ChecksOut.model_validate(response.json()).model_dump(mode="json") == response.json()
    one, two = first.json()["results"][0], again.json()["results"][0]
    assert one["check_id"] == two["check_id"] and (one["duplicate"], two["duplicate"]) == (False, True)
    assert one["abnormal"] and one["client_id"] == body["checks"][0]["client_id"]


def test_the_inserted_row_holds_what_the_fields_would_store(world: World) -> None:
    with frozen(local(2026, 11, 29, 9)):
        measure = _open(world, "a", 0)
        user = world.users["grid_a1"]
        items = [
            services.CheckInput(str(uuid.uuid4()), measure.pk, "36.55", ["cough", "fatigue"]),
            services.CheckInput(str(uuid.uuid4()), measure.pk, None, ["cough"], dt.date(2026, 11, 29), "e"),
        ]
        results = services.do_record_checks(user, items)
    stored = {str(c.client_id): c for c in HealthCheck.objects.filter(measure=measure)}
    a, b = (stored[r.client_id] for r in results)
    assert (a.temperature, a.symptoms, a.day, a.slot, a.abnormal) == (
        Decimal("36.6"),
        "cough,fatigue",
        dt.date(2026, 11, 29),
        "m",
        True,
    )
    assert (b.temperature, b.day, b.slot) == (None, dt.date(2026, 11, 29), "e")
    for check in (a, b):
        assert (check.person_id, check.unit_path, check.grid_id) == (
            measure.person_id,
            measure.unit_path,
            measure.grid_id,
        )
        assert check.recorded_by_id == user.pk and check.source == "team"
        assert check.recorded_at == local(2026, 11, 29, 9)
    assert [r.check_id for r in results] == [a.pk, b.pk]


def test_an_abnormal_single_check_commits_with_its_alert_or_not_at_all(world: World, monkeypatch) -> None:
    """Only a surely normal single check goes without a transaction of its own: a fever's check and
    its alert stand or fall together."""
    from hongyixing.control.services import checks

    with frozen(local(2026, 11, 29, 9)):
        measure = _open(world, "a", 0)

        def broken(*_args, **_kwargs):
            raise RuntimeError("the alert could not be raised")

        monkeypatch.setattr(checks, "raise_alert", broken)
        for item in (
            services.CheckInput(str(uuid.uuid4()), measure.pk, "38.5"),
            services.CheckInput(str(uuid.uuid4()), measure.pk, "36.5", ["cough"]),
        ):
            with pytest.raises(RuntimeError):
                services.do_record_checks(world.users["grid_a1"], [item])
        assert not HealthCheck.objects.filter(measure=measure).exists()
        normal = services.do_record_checks(
            world.users["grid_a1"], [services.CheckInput(str(uuid.uuid4()), measure.pk, "37.2")]
        )
    assert not normal[0].abnormal and HealthCheck.objects.filter(measure=measure).count() == 1


def test_measure_answer_reads_what_it_shows_in_the_page_s_scope(world: World, client) -> None:
    """The API's measure answer is the schema's, from the page's scope, and its one query does not
    read the person's sealed ID column (nor the grid's and the rule's rows it does not show)."""
    from django.db import connection

    statements: list[str] = []

    def record(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    with frozen(local(2026, 11, 29, 9)):
        mine, theirs = _open(world, "a", 0), _open(world, "b", 0)
        _token, key = do_issue_token(world.users["grid_a1"], "lean")
        _api(client, "GET", f"/api/control/measures/{mine.pk}", key)  # the token's first use
        with connection.execute_wrapper(record):
            response = _api(client, "GET", f"/api/control/measures/{mine.pk}", key)
        hidden = _api(client, "GET", f"/api/control/measures/{theirs.pk}", key)
    assert response.status_code == 200
    mine.refresh_from_db()
    assert response.json() == {
        "id": mine.pk,
        "person_id": mine.person_id,
        "name": mine.person.name,
        "type": mine.type,
        "state": mine.state,
        "start_date": mine.start_date.isoformat(),
        "end_date": mine.end_date.isoformat(),
        "unit_path": mine.unit_path,
        "grid_id": mine.grid_id,
        "version": mine.version,
    }
    reads = [sql for sql in statements if "control_measure" in sql]
    assert len(reads) == 1 and not [sql for sql in statements if "people_person" in sql and sql not in reads]
    assert "document_ciphertext" not in reads[0]
    assert "areas_grid" not in reads[0] and "rules_measurerule" not in reads[0]
    assert hidden.status_code == 404
