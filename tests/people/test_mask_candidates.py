"""Masking is judged by what can be derived (ADR 0005): from everything a grid worker without the
reveal right sees about a person — the person page, the API and the verification task page — an
attacker who also knows the district's county codes must be left with at least 1,000 ID numbers."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from typing import Any

from hongyixing.people.idnumbers import CHECK_CHARS, WEIGHTS
from tests.personas import World

MINIMUM_CANDIDATES = 1000


def _check(first17: str) -> str:
    return CHECK_CHARS[sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True)) % 11]


def _seen_birth_dates(text: str, year: int) -> set[str]:
    """Every full date of the given year written anywhere in what was seen, in any usual form."""
    found = set()
    for y, m, d in re.findall(r"(\d{4})[-/.年]?(\d{1,2})[-/.月]?(\d{1,2})日?", text):
        if int(y) == year and 1 <= int(m) <= 12 and 1 <= int(d) <= 31:
            found.add(f"{y}{int(m):02d}{int(d):02d}")
    return found


def candidate_count(mask: str, true_number: str, seen: str, birth_year: int | None, sex: str | None) -> int:
    """Count the 18-digit numbers consistent with the mask and everything seen.

    Worst case for us: the attacker is assumed to know digits 1–6 (the county codes of one district
    leave about one), so only the visible birth data, the visible tail and the check character narrow
    the rest down."""
    assert len(mask) == len(true_number) == 18
    prefix = true_number[:6]
    true_year = int(true_number[6:10])
    dates = _seen_birth_dates(seen, true_year)
    if true_number[6:14] in dates:
        days = [true_number[6:14]]  # the full date was shown
    else:
        year = birth_year if birth_year is not None else true_year
        days = [
            f"{year}{month:02d}{day:02d}"
            for month in range(1, 13)
            for day in range(1, calendar.monthrange(year, month)[1] + 1)
        ]
    count = 0
    for day in days:
        base = prefix + day
        if any(m != "*" and m != c for m, c in zip(mask[:14], base, strict=True)):
            continue
        for seq in range(1000):
            first17 = base + f"{seq:03d}"
            if any(m != "*" and m != c for m, c in zip(mask[14:17], first17[14:], strict=True)):
                continue
            if sex in ("M", "F") and (seq % 2 == 1) != (sex == "M"):
                continue
            if mask[17] != "*" and mask[17] != _check(first17):
                continue
            count += 1
    return count


def test_a_grid_worker_cannot_rebuild_an_id_number(world: World, client_for: Any) -> None:
    client = client_for("grid_a1")
    person = world.a.persons[0]
    number = world.a.plain_ids[0]
    page = client.get(f"/people/{person.id}/").content.decode()
    api = client.get(f"/api/persons/{person.id}")
    assert api.status_code == 200
    data = api.json()
    task_page = client.get(f"/verification/tasks/{world.a.task.id}/").content.decode()
    search = client.get("/api/persons", {"q": person.name}).content.decode()
    seen = "\n".join([page, api.content.decode(), task_page, search])
    assert number not in seen
    mask = data["document_masked"]
    count = candidate_count(mask, number, seen, data.get("birth_year"), data.get("sex"))
    print(f"ID candidates left to a grid worker: {count}")
    assert count >= MINIMUM_CANDIDATES


def test_the_old_mask_with_the_full_date_left_one_candidate() -> None:
    """The finding, reproduced: 4 + 4 visible and the birth date beside it rebuild the number."""
    from hongyixing.people.idnumbers import make

    number = make("320829", dt.date(1970, 1, 15), 21)
    old_mask = number[:4] + "*" * 10 + number[-4:]
    assert candidate_count(old_mask, number, "1970-01-15", None, None) == 1
