"""The demo's replay clock: the synthetic past is written at the moment it would have happened.

Only the demo generator uses it. Services read ``django.utils.timezone.now``; while ``at(moment)`` is
active they read ``moment``, so recording times (opened, recorded, sampled) agree with the business
dates of the rows — as in a district that has been using the product all week.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from unittest import mock

from django.utils import timezone


@contextmanager
def at(moment: dt.datetime) -> Iterator[None]:
    with mock.patch.object(timezone, "now", return_value=moment):
        yield
