"""Every transactional test restores the migrated data (serialized rollback).

A transactional test without it empties the tables at its end and lets post_migrate recreate the
content types with new ids: the next test then misses the rows data migrations load (push sources,
rules) or fails to restore its snapshot. One rule for all of them keeps the order irrelevant.
"""

from __future__ import annotations

import re
from pathlib import Path

TESTS = Path(__file__).parent


def test_every_transactional_test_uses_serialized_rollback() -> None:
    offenders = []
    for path in sorted(TESTS.rglob("test_*.py")):
        for match in re.finditer(r"django_db\(([^)]*)\)", path.read_text(encoding="utf-8")):
            arguments = match.group(1)
            if "transaction=True" in arguments and "serialized_rollback=True" not in arguments:
                offenders.append(f"{path.relative_to(TESTS)}: django_db({arguments})")
    assert offenders == []
