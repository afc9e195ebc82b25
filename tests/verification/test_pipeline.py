from __future__ import annotations

import datetime as dt

import pytest

from hongyixing.core.crypto import unseal
from hongyixing.core.errors import DomainError
from hongyixing.core.models import ChangeLog, DomainEvent, PiiAccess
from hongyixing.notices.models import Notification
from hongyixing.verification import services
from hongyixing.verification.choices import RowStatus, TaskState
from hongyixing.verification.models import Feedback, PushRow, PushSource, VerificationTask
from hongyixing.verification.services import do_escalate
from tests.personas import World

T0 = dt.datetime(2022, 3, 1, 8, 0, tzinfo=dt.UTC)


def _rows(*values: dict[str, str]) -> list[services.PlainRow]:
    return [services.PlainRow(row_number=n + 2, values=v, raw=list(v.values())) for n, v in enumerate(values)]


def _intake(world: World, *values: dict[str, str], category: str = "general", at: dt.datetime = T0):
    source = PushSource.objects.get(code="province-big-data")
    return services.do_intake(
        world.users["district"],
        source,
        _rows(*values),
        title="第1批",
        category=category,
        headers=list(values[0]),
        received_at=at,
    )


def test_rows_link_by_id_phone_and_route_to_the_registered_grid(world: World) -> None:
    a, b = world.a, world.b
    result = _intake(
        world,
        {"name": "王建国", "id_number": a.plain_ids[0], "phone": "", "address": "南京"},
        {"name": "李秀英", "id_number": "", "phone": b.plain_phones[1], "address": ""},
        {"name": "王建国", "id_number": a.plain_ids[0].replace("1", "１", 1), "phone": "", "address": ""},
    )
    assert result.counts["tasks"] == 2 and result.counts["merged"] == 1
    rows = {r.row_number: r for r in PushRow.objects.filter(batch=result.batch)}
    assert rows[2].person == a.persons[0] and rows[2].link_confidence == 1.0
    assert rows[3].person == b.persons[1] and rows[3].link_reason
    assert rows[4].status == RowStatus.MERGED and rows[4].task == rows[2].task
    task = rows[2].task
    assert task.grid == a.grid and task.state == TaskState.DISPATCHED
    assert task.deadline == T0 + dt.timedelta(hours=24)
    assert rows[3].task.grid == b.grid
    # Personal data in rows is sealed; only masks are readable.
    assert a.plain_ids[0] not in rows[2].raw_ciphertext and a.plain_ids[0] in unseal(rows[2].raw_ciphertext)
    assert rows[2].document_masked.startswith("3208") and "*" in rows[2].document_masked
    assert ChangeLog.objects.filter(object_type="verification.verificationtask").count() == 2
    assert DomainEvent.objects.filter(name="task.dispatched", person_id=a.persons[0].pk).exists()


def test_nothing_is_dropped_bad_rows_are_held_or_warned(world: World) -> None:
    damaged = "3.20829197001151E+17"
    bad_check = world.a.plain_ids[1][:-1] + ("0" if world.a.plain_ids[1][-1] != "0" else "1")
    result = _intake(
        world,
        {"name": "", "id_number": "", "phone": "", "address": "临河社区"},
        {"name": "王建国", "id_number": damaged, "phone": "", "address": ""},
        {"name": "李秀英", "id_number": bad_check, "phone": world.a.plain_phones[1], "address": ""},
        {"name": "赵某", "id_number": "", "phone": "12345", "address": ""},
    )
    rows = {r.row_number: r for r in PushRow.objects.filter(batch=result.batch)}
    assert len(rows) == 4
    assert rows[2].status == RowStatus.ATTENTION and rows[2].problem
    assert any("表格" in w or "spreadsheet" in w for w in rows[3].warnings)
    # A damaged ID still gives the birth date: name + birth date finds the person.
    assert rows[3].person == world.a.persons[0]
    assert rows[4].person == world.a.persons[1] and rows[4].warnings
    assert rows[5].status == RowStatus.ATTENTION


def test_open_task_absorbs_a_later_list(world: World) -> None:
    first = _intake(world, {"name": "王建国", "id_number": world.a.plain_ids[0]})
    second = _intake(
        world, {"name": "王建国", "id_number": world.a.plain_ids[0]}, at=T0 + dt.timedelta(hours=1)
    )
    assert second.counts["merged"] == 1 and second.counts["tasks"] == 0
    assert PushRow.objects.get(batch=second.batch).task == VerificationTask.objects.get(batch=first.batch)


def test_close_contacts_get_the_two_hour_rule(world: World) -> None:
    result = _intake(world, {"name": "王建国", "id_number": world.a.plain_ids[0]}, category="close_contact")
    assert VerificationTask.objects.get(batch=result.batch).deadline == T0 + dt.timedelta(hours=2)


def _task(world: World) -> VerificationTask:
    result = _intake(world, {"name": "王建国", "id_number": world.a.plain_ids[0]})
    return VerificationTask.objects.get(batch=result.batch)


def test_feedback_is_idempotent_and_requests_the_measure(world: World) -> None:
    task = _task(world)
    worker = world.users["grid_a1"]
    data = services.FeedbackInput(
        client_id="c-1", contact_method="visit", disposition="HOME_ISOLATION", temperature="36.6"
    )
    first, created = services.submit_feedback(worker, task, data)
    again, created_again = services.submit_feedback(worker, task, data)
    assert created and not created_again and first.pk == again.pk
    assert Feedback.objects.count() == 1
    task.refresh_from_db()
    assert task.state == TaskState.SUBMITTED and task.measure_requested == "home_isolation"
    assert DomainEvent.objects.filter(name="measure.requested", person_id=world.a.persons[0].pk).exists()


def test_outsider_cannot_submit_feedback(world: World) -> None:
    task = _task(world)
    data = services.FeedbackInput(client_id="c-2", contact_method="visit", disposition="ALREADY_KNOWN")
    with pytest.raises(Exception) as caught:
        services.submit_feedback(world.users["town_b"], task, data)
    assert caught.type.__name__ == "Http404"
    assert not Feedback.objects.exists()


def test_state_machine_worker_to_village_to_town(world: World) -> None:
    task = _task(world)
    town = world.users["town_a"]
    worker = world.users["grid_a1"]
    assert "review" not in services.allowed_actions(town, task)
    with pytest.raises(DomainError):
        services.check_transition(worker, task, "accept")
    services.check_transition(town, task, "accept")
    services.submit_feedback(worker, task, services.FeedbackInput("c-3", "phone", "ALREADY_KNOWN"))
    task.refresh_from_db()
    with pytest.raises(DomainError):
        services.check_transition(town, task, "close")
    for action in ("confirm", "review", "close"):
        task = services.check_transition(town, task, action)
    assert task.state == TaskState.CLOSED and task.closed_at is not None
    names = list(
        DomainEvent.objects.filter(subject_id=task.pk, subject_type="verification.verificationtask")
        .order_by("id")
        .values_list("name", flat=True)
    )
    assert names == [
        "task.dispatched",
        "task.accept",
        "task.feedback",
        "task.confirm",
        "task.review",
        "task.close",
    ]


def test_stale_version_is_refused(world: World) -> None:
    task = _task(world)
    with pytest.raises(DomainError) as caught:
        services.check_transition(world.users["town_a"], task, "accept", expected_version=task.version + 1)
    assert caught.value.code == "task.stale"


def test_forward_out_needs_a_destination_and_stops_the_clock(world: World) -> None:
    task = _task(world)
    with pytest.raises(DomainError):
        services.check_transition(world.users["town_a"], task, "forward_out")
    task = services.check_transition(world.users["town_a"], task, "forward_out", forwarded_to="南京市鼓楼区")
    assert task.state == TaskState.FORWARDED_OUT
    assert do_escalate(T0 + dt.timedelta(days=3)) == {}


def test_sla_warns_then_escalates_to_town_then_district(world: World) -> None:
    task = _task(world)
    assert do_escalate(T0 + dt.timedelta(hours=11)) == {}
    assert do_escalate(T0 + dt.timedelta(hours=12, minutes=1)) == {"sla.half": 1}
    assert do_escalate(T0 + dt.timedelta(hours=12, minutes=2)) == {}  # once per level
    assert set(
        Notification.objects.filter(kind="sla.half").values_list("recipient__username", flat=True)
    ) == {"grid_a1"}
    assert do_escalate(T0 + dt.timedelta(hours=19, minutes=13)) == {"sla.late": 1}
    assert "80%" in Notification.objects.get(kind="sla.late").message
    assert do_escalate(T0 + dt.timedelta(hours=24, minutes=1)) == {"sla.overdue": 1}
    assert set(
        Notification.objects.filter(kind="sla.overdue").values_list("recipient__username", flat=True)
    ) == {"town_a"}
    assert do_escalate(T0 + dt.timedelta(hours=30, minutes=1)) == {"sla.supervision": 1}
    assert set(
        Notification.objects.filter(kind="sla.supervision").values_list("recipient__username", flat=True)
    ) == {"district"}
    task.refresh_from_db()
    assert task.escalation == 4


def test_unreachable_keeps_the_clock_running(world: World) -> None:
    task = _task(world)
    services.submit_feedback(
        world.users["grid_a1"], task, services.FeedbackInput("c-9", "phone", "UNREACHABLE")
    )
    task.refresh_from_db()
    assert task.state == TaskState.IN_PROGRESS
    assert do_escalate(T0 + dt.timedelta(hours=25)) == {"sla.overdue": 1}


def test_call_numbers_are_logged(world: World) -> None:
    task = _task(world)
    assert services.numbers_to_call(world.users["grid_a1"], task) == [world.a.plain_phones[0]]
    access = PiiAccess.objects.get()
    assert access.user == world.users["grid_a1"] and access.person_id == world.a.persons[0].pk


def test_name_at_the_reported_address_links_when_unique(world: World) -> None:
    address = "高良涧街道临河社区幸福家园A3栋501室"
    result = _intake(
        world,
        {"name": "王建国", "id_number": "", "phone": "", "address": address},
        {"name": "黎秀英", "id_number": "", "phone": "", "address": address},
        {"name": "赵大海", "id_number": "", "phone": "", "address": address},
    )
    rows = {r.row_number: r for r in PushRow.objects.filter(batch=result.batch)}
    assert rows[2].person == world.a.persons[0] and rows[2].link_confidence == 0.85
    # 黎 typed for 李 sounds the same, but with nothing else agreeing it is not enough to link.
    assert rows[3].person is None
    assert rows[4].person is None  # nobody of that name there: routed by address only
    assert rows[4].task is not None and rows[4].task.grid == world.a.grid
