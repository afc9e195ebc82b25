"""The feedback form and its API refuse the same values with the same message; nothing stored at a
field's limit makes the task page or the export fail."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from hongyixing.verification import services
from hongyixing.verification.models import PushSource, VerificationTask
from tests.personas import World


@pytest.fixture
def task(world: World) -> VerificationTask:
    rows = [
        services.PlainRow(
            row_number=2,
            values={"name": "王建国", "id_number": world.a.plain_ids[0]},
            raw=["王建国", world.a.plain_ids[0]],
        )
    ]
    result = services.do_intake(
        world.users["district"],
        PushSource.objects.get(code="province-big-data"),
        rows,
        title="协查",
        category="general",
        headers=["姓名", "身份证号"],
        mapping={"name": "姓名", "id_number": "身份证号"},
    )
    return result.batch.tasks.get()


BASE = {
    "contact_method": "phone",
    "disposition": "ALREADY_KNOWN",
    "code_colour": "green",
    "test_status": "none",
}
BAD = [
    ("temperature", 1000),
    ("temperature", "NaN"),
    ("temperature", "hot"),
    ("current_location", "地" * 201),
    ("notes", "注" * 501),
    ("contact_method", "x" * 300),
    ("code_colour", "紫色"),
    ("test_status", "maybe"),
    ("disposition", "WHATEVER"),
    ("arrival_date", "9999-01-01"),
    ("arrival_date", "2022-13-40"),
]


@pytest.mark.parametrize(("field", "value"), BAD)
def test_api_and_form_refuse_alike(world: World, task, client_for, field: str, value) -> None:
    client = client_for("grid_a1")
    api = client.post(
        f"/api/verification/tasks/{task.pk}/feedback",
        data=json.dumps({**BASE, "client_id": f"api-{field}", field: value}),
        content_type="application/json",
    )
    assert api.status_code == 400, api.content
    answer = api.json()
    assert answer["code"] == "feedback.invalid" and answer["field"] == field
    form = client.post(
        f"/verification/tasks/{task.pk}/feedback/", {**BASE, "client_id": f"form-{field}", field: value}
    )
    assert form.status_code == 302
    page = client.get(form["Location"]).content.decode()
    assert answer["detail"] in page
    assert not task.feedback.exists()


def test_rows_at_every_limit_render_and_export(world: World, task, client_for) -> None:
    worker = client_for("grid_a1")
    at_limit = {
        **BASE,
        "client_id": "c" * 64,
        "temperature": "43.0",
        "arrival_date": (timezone.localdate() + dt.timedelta(days=1)).isoformat(),
        "current_location": "地" * 200,
        "route": "路" * 300,
        "symptoms": "症" * 200,
        "notes": "注" * 500,
        "latitude": "1e400",
        "longitude": "181",
    }
    api = worker.post(
        f"/api/verification/tasks/{task.pk}/feedback",
        data=json.dumps(at_limit),
        content_type="application/json",
    )
    assert api.status_code == 201, api.content
    assert worker.get(f"/verification/tasks/{task.pk}/").status_code == 200
    district = client_for("district")
    assert district.get(f"/verification/tasks/{task.pk}/").status_code == 200
    assert district.get(f"/verification/batches/{task.batch_id}/export.xlsx").status_code == 200
    assert district.get(f"/verification/batches/{task.batch_id}/").status_code == 200


def test_lowest_values_are_accepted_by_form_too(world: World, task, client_for) -> None:
    client = client_for("grid_a1")
    data = {**BASE, "client_id": "low", "temperature": "34", "arrival_date": "2019-12-01"}
    assert client.post(f"/verification/tasks/{task.pk}/feedback/", data).status_code == 302
    stored = task.feedback.get()
    assert str(stored.temperature) == "34.0" and stored.arrival_date == dt.date(2019, 12, 1)
