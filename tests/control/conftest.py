from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from unittest import mock

import pytest
from django.utils import timezone

from tests.personas import World, build_world


@pytest.fixture
def world(db: None) -> World:
    return build_world(push_list=True)


@contextmanager
def frozen(moment: dt.datetime) -> Iterator[None]:
    """Freeze the clock every service reads (timezone.now and everything built on it)."""
    with mock.patch.object(timezone, "now", return_value=moment):
        yield


def local(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime(year, month, day, hour, minute))
