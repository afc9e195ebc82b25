"""Listening to verification: a disposition that calls for a measure opens it here."""

from __future__ import annotations

from typing import Any

from hongyixing.verification.signals import measure_requested

TEST_ONLY = "test_only"


def on_measure_requested(sender: Any, *, task: Any, actor: Any, measure: str, arrival: Any, **_: Any) -> None:
    from hongyixing.control import services

    if measure == TEST_ONLY:
        if task.person_id is not None:
            services.do_request_test(actor, task.person, reason=f"task {task.pk}")
        return
    services.open_from_verification(actor, task, measure, arrival)


def connect() -> None:
    measure_requested.connect(on_measure_requested, dispatch_uid="control.measure_requested")
