from __future__ import annotations

import datetime as dt

from django.contrib.sessions.backends.db import SessionStore
from django.core.checks import run_checks
from django.test import override_settings
from django.utils import timezone

from hongyixing.config import PROBLEMS
from hongyixing.core.jobs import RECURRING, due_jobs
from hongyixing.core.tasks import purge_expired_sessions


def _ids(**overrides) -> set[str]:
    with override_settings(**overrides):
        return {message.id for message in run_checks()}


def test_bad_configuration_is_reported_by_name() -> None:
    assert "hongyixing.E002" in _ids(DATA_KEY="short")
    assert "hongyixing.E003" in _ids(TIME_ZONE="Mars/Olympus")
    assert "hongyixing.E004" in _ids(LANGUAGE_CODE="fr")
    assert "hongyixing.E005" in _ids(SECRET_KEY="x")
    assert not {"hongyixing.E002", "hongyixing.E003", "hongyixing.E004", "hongyixing.E005"} & _ids()


def test_unparseable_environment_values_are_collected(monkeypatch) -> None:
    from hongyixing.config import env_bool, env_int

    monkeypatch.setenv("HONGYIXING_X", "many")
    start = len(PROBLEMS)
    assert env_int("HONGYIXING_X", 7) == 7
    assert env_bool("HONGYIXING_X", True) is True
    assert len(PROBLEMS) == start + 2 and "HONGYIXING_X" in PROBLEMS[-1]
    del PROBLEMS[start:]


def test_recurring_jobs_are_declared_and_due(db) -> None:
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules("tasks")
    assert {
        "hongyixing.core.tasks.purge_expired_sessions",
        "hongyixing.verification.tasks.escalate_overdue_tasks",
        "hongyixing.control.tasks.sweep_control_measures",
        "hongyixing.command.tasks.escalate_directives",
    } <= set(RECURRING)
    now = timezone.now()
    assert due_jobs({}, now)
    recent = {job.name: now for job in RECURRING.values()}
    assert due_jobs(recent, now + dt.timedelta(seconds=30)) == []
    assert {job.name for job in due_jobs(recent, now + dt.timedelta(minutes=1))} == {
        "hongyixing.verification.tasks.escalate_overdue_tasks",
        "hongyixing.control.tasks.sweep_control_measures",
        "hongyixing.command.tasks.escalate_directives",
    }


def test_purge_expired_sessions_is_idempotent(db) -> None:
    store = SessionStore()
    store["x"] = 1
    store.set_expiry(-10)
    store.create()
    assert purge_expired_sessions.call() == 1
    assert purge_expired_sessions.call() == 0
