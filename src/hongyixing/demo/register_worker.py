"""The worker side of ``demo.register``: a spawned process that imports register slices in turn.

Its module imports nothing of Django at the top: a spawned worker unpickles ``start`` before
``django.setup()`` has run, so the models come in inside the functions, after it.
"""

from __future__ import annotations

import os
import resource
from dataclasses import dataclass
from typing import Any

TURN_TIMEOUT = 600.0  # seconds a slice waits for the one before it to be written: a hung worker fails


@dataclass
class Result:
    persons: int
    errors: list[str]
    pid: int
    peak_rss: int  # bytes


class _Turn:
    """The write order, shared by the workers; set up once per worker process by ``start``."""

    condition: Any = None
    turn: Any = None
    failed: Any = None
    request_id = ""

    @classmethod
    def wait(cls, number: int) -> bool:
        """Wait until slice ``number`` may write; False when an earlier slice failed. After
        ``TURN_TIMEOUT`` the run is failed and the turn passed on, so the later slices refuse at once
        instead of each waiting as long."""
        with cls.condition:
            if cls.condition.wait_for(lambda: cls.turn.value == number, TURN_TIMEOUT):
                return not cls.failed.value
        cls.pass_on(number, ok=False)
        raise RuntimeError(f"slice {number} waited {TURN_TIMEOUT:.0f} s in vain for the one before it")

    @classmethod
    def pass_on(cls, number: int, *, ok: bool) -> None:
        with cls.condition:
            if not ok:
                cls.failed.value = 1
            cls.turn.value = number + 1
            cls.condition.notify_all()


class _EarlierSliceFailed(Exception):
    pass


class _WriteSlot:
    """Entered by ``run_import`` around its writing transaction: this slice's turn, passed on after."""

    def __init__(self, number: int) -> None:
        self.number = number
        self.taken = False

    def __enter__(self) -> None:
        self.taken = True
        if not _Turn.wait(self.number):
            _Turn.pass_on(self.number, ok=False)
            raise _EarlierSliceFailed

    def __exit__(self, error: type[BaseException] | None, *_: object) -> None:
        _Turn.pass_on(self.number, ok=error is None)  # after the commit, or after the rollback


def start(database: str, request_id: str, condition: Any, turn: Any, failed: Any) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hongyixing.settings")
    import django
    from django.conf import settings

    django.setup()
    settings.DATABASES["default"]["NAME"] = database  # a test run's database, not the settings' own
    from django.db import connection

    _Turn.condition, _Turn.turn, _Turn.failed, _Turn.request_id = condition, turn, failed, request_id
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # as ``register.unflushed_commits`` does
            cursor.execute("SET synchronous_commit TO off")


def import_slice(number: int, data: bytes) -> Result:
    from hongyixing.core.context import request_context
    from hongyixing.demo.register import import_file
    from hongyixing.exchange.importer import NEW

    slot = _WriteSlot(number)
    try:
        with request_context(_Turn.request_id):
            counts, errors = import_file("residents", data, f"residents-{number + 1}.csv", write_slot=slot)
    except _EarlierSliceFailed:
        counts, errors = {}, ["not written: an earlier slice failed"]
    finally:
        if not slot.taken:  # nothing was written (rows in error, or a crash before): later slices wait
            _Turn.wait(number)
            _Turn.pass_on(number, ok=False)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return Result(counts.get(NEW, 0), errors, os.getpid(), peak)
