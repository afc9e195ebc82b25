"""Which district this installation serves: configuration first, then the divisions file.

Nothing in the product names a district in code; callers ask :func:`district_code` (no database
query, safe at import time) or :func:`district_unit` (the loaded tree's unit).
"""

from __future__ import annotations

import functools
from pathlib import Path

from django.conf import settings

from hongyixing.areas.choices import UnitLevel


def divisions_file() -> Path:
    """The divisions file in the shipped format (code,name,level,parent_code) this installation loads."""
    from hongyixing.areas.divisions import DIVISIONS_CSV

    configured = getattr(settings, "HONGYIXING_DIVISIONS_FILE", "")
    return Path(configured) if configured else DIVISIONS_CSV


@functools.cache
def _district_of_file(path: Path) -> str:
    from hongyixing.areas.divisions import read_divisions

    divisions = read_divisions(path)
    with_towns = sorted({d.parent_code for d in divisions if d.level == UnitLevel.TOWN})
    if len(with_towns) != 1:
        raise RuntimeError(
            f"{path} has towns under {len(with_towns)} districts; set HONGYIXING_DISTRICT_CODE to choose one"
        )
    return with_towns[0]


def district_code() -> str:
    """The six-digit code of the district served (e.g. 320813 for 洪泽区)."""
    configured: str = getattr(settings, "HONGYIXING_DISTRICT_CODE", "")
    return configured or _district_of_file(divisions_file())


def district_path() -> str:
    """The district's path in the tree (a district's path is its code)."""
    return district_code()


def district_unit() -> object | None:
    from hongyixing.areas.models import AdminUnit

    return AdminUnit.objects.filter(path=district_path(), level=UnitLevel.DISTRICT).first()
