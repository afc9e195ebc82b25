"""Recurring jobs declared in code, enqueued by the worker's scheduler onto the task queue.

A job runs through django-tasks (database backend), so it is retried and visible like any other task;
the scheduler only decides *when*. Every job must be idempotent: two workers, or a restart inside a
period, may enqueue the same period twice.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.utils import timezone

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Recurring:
    name: str
    task: Any  # a django_tasks Task
    every: dt.timedelta


RECURRING: dict[str, Recurring] = {}


def every(interval: dt.timedelta) -> Any:
    """Decorator for a django-tasks task: also enqueue it every ``interval``."""

    def register(task: Any) -> Any:
        name = f"{task.func.__module__}.{task.name}"
        RECURRING[name] = Recurring(name, task, interval)
        return task

    return register


def due_jobs(last_run: dict[str, dt.datetime], now: dt.datetime) -> list[Recurring]:
    return [
        job
        for job in RECURRING.values()
        if now - last_run.get(job.name, dt.datetime.min.replace(tzinfo=dt.UTC)) >= job.every
    ]


def run_scheduler(stop: threading.Event, tick_seconds: float = 15.0) -> None:
    last_run: dict[str, dt.datetime] = {}
    while not stop.is_set():
        now = timezone.now()
        for job in due_jobs(last_run, now):
            try:
                job.task.enqueue()
                last_run[job.name] = now
                log.info("enqueued recurring job %s", job.name)
            except Exception:  # a failed enqueue is retried on the next tick
                log.exception("could not enqueue %s", job.name)
        cache.close()
        stop.wait(tick_seconds)
