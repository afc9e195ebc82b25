"""An abnormal check-in answers without waiting on any channel: the send is a job enqueued after
commit, and only running the job calls the channel."""

from __future__ import annotations

import uuid

import pytest
from django_tasks_db.models import DBTaskResult

from hongyixing.control import services
from hongyixing.control.choices import MeasureType
from hongyixing.core.crypto import unseal
from hongyixing.notices import channels as channel_kinds
from hongyixing.notices.models import Delivery, DeliveryState, Notification
from tests.control.conftest import frozen, local
from tests.personas import World

pytestmark = pytest.mark.django_db


class SlowChannel:
    """Stands for a robot that takes its time: it would hold the request if it were called there."""

    name = "slow"
    calls: list[str] = []

    def __init__(self, **_options) -> None:
        pass

    def send(self, message: str, phones) -> str:
        import time

        time.sleep(0.5)
        SlowChannel.calls.append(message)
        return DeliveryState.SENT


def test_an_abnormal_check_in_enqueues_the_channel_send(
    world: World, client, settings, monkeypatch, django_capture_on_commit_callbacks
) -> None:
    monkeypatch.setitem(channel_kinds.KINDS, "slow", SlowChannel)
    monkeypatch.setattr(SlowChannel, "calls", [])
    settings.NOTIFY_CHANNELS = [{"kind": "slow"}]
    with frozen(local(2026, 11, 29, 8)):
        measure = services.do_open_measure(
            world.users["district"], world.a.persons[0], services.MeasureSpec(type=MeasureType.HOME_ISOLATION)
        )
        url = f"/r/{unseal(measure.self_report.token_sealed)}/"
        with django_capture_on_commit_callbacks(execute=True):
            posted = client.post(url, {"client_id": str(uuid.uuid4()), "temperature": "38.6"})
    assert posted.status_code == 200
    assert SlowChannel.calls == []  # the request never called the channel
    assert Notification.objects.filter(kind="control.abnormal_check").exists()
    jobs = [r for r in DBTaskResult.objects.all() if r.task_path.endswith("send_notice")]
    assert len(jobs) == 1 and "38.6" in jobs[0].args_kwargs["args"][1]
    jobs[0].task.call(*jobs[0].args_kwargs["args"], **jobs[0].args_kwargs["kwargs"])
    assert len(SlowChannel.calls) == 1 and "38.6" in SlowChannel.calls[0]
    assert Delivery.objects.get().state == DeliveryState.SENT
