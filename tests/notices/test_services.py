"""notify(): in-app rows in the caller's transaction, one job enqueued after commit, and the worker's
deliveries (sent, logged, retried with backoff, failed for good)."""

from __future__ import annotations

import pytest
from django_tasks_db.models import DBTaskResult

from hongyixing.notices import channels as channel_kinds
from hongyixing.notices.models import Delivery, DeliveryState, Notification, Recipient
from hongyixing.notices.services import Notice, notify, notify_each, phones_of
from tests.notices.fakeserver import fake_server
from tests.personas import World

pytestmark = pytest.mark.django_db


def _jobs(name: str) -> list[DBTaskResult]:
    return [r for r in DBTaskResult.objects.order_by("enqueued_at") if r.task_path.endswith(name)]


def _run(job: DBTaskResult):
    return job.task.call(*job.args_kwargs["args"], **job.args_kwargs["kwargs"])


def test_notify_writes_rows_and_enqueues_only_after_commit(world: World, django_capture_on_commit_callbacks):
    users = [world.users["grid_a1"], world.users["town_a"]]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notify(users, "test.kind", "Hello", link="/x/", key="k1")
        assert Notification.objects.filter(kind="test.kind").count() == 2
        assert not _jobs("send_notice")  # nothing leaves before the commit
    for callback in callbacks:
        callback()
    (job,) = _jobs("send_notice")
    assert job.args_kwargs["args"] == ["test.kind", "Hello", sorted(u.pk for u in users)]
    notice = Notification.objects.get(recipient=world.users["grid_a1"], kind="test.kind")
    assert (notice.message, notice.link, notice.key) == ("Hello", "/x/", "k1")


def test_a_key_makes_a_notice_once(world: World) -> None:
    user = world.users["grid_a1"]
    notify([user], "sla.half", "first", key="task:1", channels=False)
    notify([user], "sla.half", "second", key="task:1", channels=False)
    notify_each([Notice(user.pk, "sla.half", "third", key="task:2")])
    assert list(
        Notification.objects.filter(recipient=user).order_by("id").values_list("message", flat=True)
    ) == [
        "first",
        "third",
    ]


def test_the_worker_records_a_delivery_per_channel(
    world: World, settings, django_capture_on_commit_callbacks
):
    with fake_server({"errcode": 0}) as server:
        settings.NOTIFY_CHANNELS = [{"kind": "log"}, {"kind": "wecom", "url": server.url, "timeout": 5}]
        with django_capture_on_commit_callbacks(execute=True):
            notify([world.users["town_a"]], "test.kind", "Overdue: 3 tasks")
        (job,) = _jobs("send_notice")
        _run(job)
    by_channel = {d.channel: d for d in Delivery.objects.all()}
    assert by_channel["log"].state == DeliveryState.LOGGED  # never counted as delivered
    assert by_channel["wecom"].state == DeliveryState.SENT and by_channel["wecom"].attempts == 1
    assert by_channel["wecom"].sent_at is not None
    assert server.seen[0].json()["text"]["content"] == "Overdue: 3 tasks"


def test_a_failing_channel_is_retried_with_backoff_then_fails(
    world: World, settings, django_capture_on_commit_callbacks
) -> None:
    settings.NOTIFY_ATTEMPTS = 3
    with fake_server({"errcode": 310000, "errmsg": "sign not match"}) as server:
        settings.NOTIFY_CHANNELS = [{"kind": "dingtalk", "url": server.url, "secret": "S", "timeout": 5}]
        with django_capture_on_commit_callbacks(execute=True):
            notify([world.users["town_a"]], "test.kind", "hello")
        with django_capture_on_commit_callbacks(execute=True):
            _run(_jobs("send_notice")[0])
        delivery = Delivery.objects.get()
        assert (delivery.state, delivery.attempts) == (DeliveryState.RETRYING, 1)
        assert "310000" in delivery.last_error
        (retry,) = _jobs("retry_delivery")
        assert retry.run_after > delivery.last_attempt_at  # not before the backoff
        assert delivery.next_attempt_at == retry.run_after
        with django_capture_on_commit_callbacks(execute=True):
            _run(retry)
        second = _jobs("retry_delivery")[-1]
        later = Delivery.objects.get()
        assert (later.state, later.attempts) == (DeliveryState.RETRYING, 2)
        assert second.run_after - later.last_attempt_at > retry.run_after - delivery.last_attempt_at
        server.answer(200, {"errcode": 310000})
        _run(second)
    final = Delivery.objects.get()
    assert (final.state, final.attempts, final.next_attempt_at) == (DeliveryState.FAILED, 3, None)
    assert len(server.seen) == 3


def test_sms_reaches_the_recipients_phones(world: World, settings, monkeypatch) -> None:
    sent: list[tuple[str, list[str]]] = []

    class Recording:
        name = "sms"

        def __init__(self, **_options) -> None:
            pass

        def send(self, message: str, phones):
            sent.append((message, list(phones)))
            return DeliveryState.SENT

    monkeypatch.setitem(channel_kinds.KINDS, "sms", Recording)
    settings.NOTIFY_CHANNELS = [{"kind": "sms"}]
    Recipient.objects.create(user=world.users["town_a"], sms_phone="13800000001")
    assert phones_of([world.users["town_a"].pk, world.users["grid_a1"].pk]) == ["13800000001"]
    from hongyixing.notices.services import do_send

    do_send("test.kind", "hello", [world.users["town_a"].pk, world.users["grid_a1"].pk])
    assert sent == [("hello", ["13800000001"])]
