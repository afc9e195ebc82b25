from __future__ import annotations

import pytest

from hongyixing.demo.pushlist import HEADERS, push_rows, residents
from hongyixing.people import idnumbers


def test_push_list_is_deterministic_and_keeps_the_truth() -> None:
    pool = residents(600, 3)
    assert len(pool) == 600
    first = list(push_rows(pool, 400, seed=5))
    again = list(push_rows(pool, 400, seed=5))
    assert first == again
    assert all(len(cells) == len(HEADERS) for cells, _ in first)
    outside = [truth for _, truth in first if truth.outside]
    assert 0.2 < len(outside) / len(first) < 0.4
    known = {person.id_number for person in pool}
    for _cells, truth in first:
        if not truth.outside:
            assert truth.id_number in known
    # Noise is there but bounded: most resident rows still carry their own valid ID.
    resident_rows = [(cells, truth) for cells, truth in first if not truth.outside]
    exact = sum(cells[2] == truth.id_number for cells, truth in resident_rows)
    assert 0.8 < exact / len(resident_rows) < 0.95
    assert all(idnumbers.is_valid(truth.id_number) for _, truth in resident_rows)


def test_addresses_follow_the_real_mix() -> None:
    from hongyixing.demo.pushlist import ADDRESS_MIX

    pool = residents(600, 3)
    truths = [truth for _, truth in push_rows(pool, 4000, seed=11) if not truth.outside]
    shares = {kind: sum(t.address_kind == kind for t in truths) / len(truths) for kind, _ in ADDRESS_MIX}
    without_group_or_building = shares["street"] + shares["village"] + shares["compound"]
    assert without_group_or_building >= 0.6
    assert 0.17 < shares["village"] < 0.23 and 0.08 < shares["unknown_group"] < 0.12


@pytest.mark.parametrize(
    "command",
    [["totp_code", "district"], ["seed_demo", "--persons", "10"], ["demo_push_list", "--rows", "1"]],
)
def test_demo_only_commands_refuse_outside_the_demo(settings, command: list[str]) -> None:
    """Finding 6: `totp_code` printed anyone's current code in production."""
    from django.core.management import CommandError, call_command

    from hongyixing.demo.guard import REFUSAL

    settings.DEMO_MODE = False
    with pytest.raises(CommandError) as refused:
        call_command(*command, skip_checks=True)
    assert str(refused.value) == REFUSAL
    assert "\n" not in REFUSAL
