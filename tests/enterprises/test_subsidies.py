from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest

from hongyixing.core.errors import DomainError, NotFound
from hongyixing.core.masking import mask_id_number
from hongyixing.enterprises import subsidies
from hongyixing.enterprises.choices import ClaimState
from hongyixing.enterprises.models import Claim, ClaimDecision, Employee, SubsidyRule
from hongyixing.enterprises.staff import StaffRow, do_add_staff
from tests.enterprises.builders import Economy, staff_number
from tests.personas import World

pytestmark = pytest.mark.django_db
ON = dt.date(2020, 2, 15)


def _staff(economy: Economy, place: str) -> list[int]:
    return list(
        Employee.objects.filter(enterprise=economy.enterprises[place])
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _claim(
    economy: Economy, place: str, kind: str = "transport", ids: list[int] | None = None, **extra
) -> Claim:
    return subsidies.do_submit_claim(
        economy.contacts[place],
        economy.enterprises[place],
        subsidies.ClaimInput(kind=kind, employee_ids=ids or _staff(economy, place), claim_date=ON, **extra),
    )


def test_transport_amounts_follow_the_distance_bands(economy: Economy) -> None:
    claim = _claim(economy, "a")  # 200, 600 and 1000 km → 100 + 300 + 300
    assert claim.amount == Decimal("700.00")
    assert sorted(claim.lines.values_list("amount", flat=True)) == [Decimal(100), Decimal(300), Decimal(300)]


def test_a_new_rule_version_applies_from_its_date(world: World, economy: Economy) -> None:
    old = SubsidyRule.objects.get(kind="transport")
    old.valid_to = dt.date(2020, 2, 29)
    old.save()
    SubsidyRule.objects.create(
        kind="transport",
        name="v2",
        bands=[{"max_km": 500, "amount": 200}, {"amount": 800}],
        valid_from=dt.date(2020, 3, 1),
    )
    ids = _staff(economy, "a")
    before = _claim(economy, "a", ids=ids[:1])
    assert before.amount == Decimal(100) and before.rule_id == old.pk
    after = subsidies.do_submit_claim(
        economy.contacts["b"],
        economy.enterprises["b"],
        subsidies.ClaimInput(
            kind="transport", employee_ids=_staff(economy, "b"), claim_date=dt.date(2020, 3, 5)
        ),
    )
    assert after.amount == Decimal(200 + 800 + 800)
    with pytest.raises(DomainError) as none:
        subsidies.rule_in_force("transport", dt.date(2019, 1, 1))
    assert none.value.code == "claim.no_rule"


def test_charter_share_and_cap(economy: Economy) -> None:
    claim = _claim(economy, "a", kind="charter", charter_cost=Decimal("6000"))
    assert claim.amount == Decimal("3000.00")  # 50 %
    assert sum(claim.lines.values_list("amount", flat=True)) == Decimal("3000.00")
    capped = _claim(economy, "b", kind="charter", charter_cost=Decimal("20000"))
    assert capped.amount == Decimal("5000.00")  # the cap


def test_duplicate_claims_are_refused_with_a_clear_message(world: World, economy: Economy) -> None:
    first = _claim(economy, "a")
    with pytest.raises(DomainError) as twice:
        _claim(economy, "a")
    assert twice.value.code == "claim.duplicate"
    assert "3" in str(twice.value.message) and economy.enterprises["a"].name in str(twice.value.message)
    # The same ID listed at enterprise B and claimed there: refused, naming A, the number masked.
    number = economy.staff_ids["a"][0]
    do_add_staff(
        economy.contacts["b"],
        economy.enterprises["b"],
        [StaffRow(9, {"name": "员工a0", "id_number": number, "distance_km": "250"})],
    )
    moved = Employee.objects.get(enterprise=economy.enterprises["b"], name="员工a0")
    with pytest.raises(DomainError) as elsewhere:
        _claim(economy, "b", ids=[moved.pk])
    message = str(elsewhere.value.message)
    assert economy.enterprises["a"].name in message and number not in message
    assert mask_id_number(number) in message
    # Another kind is another subsidy; a returned claim frees its people.
    subsidies.do_review_claim(world.users["town_a"], first, "return", "票据不清")
    assert _claim(economy, "b", ids=[moved.pk]).amount == Decimal(100)


def test_review_chain_and_who_may_move_it(world: World, economy: Economy) -> None:
    claim = _claim(economy, "a")
    with pytest.raises(DomainError) as own:
        subsidies.do_review_claim(economy.contacts["a"], claim, "approve")
    assert own.value.code == "claim.not_allowed"
    with pytest.raises(NotFound):
        subsidies.do_review_claim(world.users["town_b"], claim, "approve")
    subsidies.do_review_claim(world.users["town_a"], claim, "approve")
    claim.refresh_from_db()
    assert claim.state == ClaimState.IN_REVIEW and claim.step == 1
    with pytest.raises(DomainError):  # the departments' step is not the town's
        subsidies.do_review_claim(world.users["town_a"], claim, "approve")
    subsidies.do_review_claim(world.users["district"], claim, "approve")  # 人社
    subsidies.do_review_claim(world.users["district"], claim, "approve")  # 财政
    claim.refresh_from_db()
    assert claim.state == ClaimState.APPROVED
    assert list(ClaimDecision.objects.filter(claim=claim).values_list("department", flat=True)) == [
        "town",
        "hr",
        "finance",
    ]
    with pytest.raises(DomainError) as done:
        subsidies.do_review_claim(world.users["district"], claim, "approve")
    assert done.value.code == "claim.bad_state"


def test_payment_batch_export_and_paid_date(world: World, economy: Economy) -> None:
    import python_calamine

    claim = _claim(economy, "a", account="6222021234567890123", bank="农商行")
    for reviewer in ("town_a", "district", "district"):
        subsidies.do_review_claim(world.users[reviewer], claim, "approve")
    with pytest.raises(DomainError):
        subsidies.do_create_payment_batch(world.users["town_a"], [claim.pk])
    batch = subsidies.do_create_payment_batch(world.users["district"], [claim.pk])
    data = subsidies.export_batch(world.users["district"], batch)
    rows = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()
    assert rows[1][4] == "6222021234567890123" and rows[1][5] == "700.00"
    subsidies.do_record_paid(world.users["district"], batch, dt.date(2020, 3, 1))
    claim.refresh_from_db()
    assert claim.state == ClaimState.PAID and claim.paid_on == dt.date(2020, 3, 1)
    with pytest.raises(DomainError):
        subsidies.do_record_paid(world.users["district"], batch, dt.date(2020, 3, 2))


def test_hiring_reward_is_for_new_hires_only(economy: Economy) -> None:
    with pytest.raises(DomainError) as refused:
        _claim(economy, "a", kind="hiring")
    assert refused.value.code == "claim.not_new"
    do_add_staff(
        economy.contacts["a"],
        economy.enterprises["a"],
        [StaffRow(2, {"name": "新员工", "id_number": staff_number(777), "new_hire": "是"})],
    )
    hire = Employee.objects.get(name="新员工")
    assert _claim(economy, "a", kind="hiring", ids=[hire.pk]).amount == Decimal(1000)


def test_a_rule_is_superseded_by_a_new_version(world: World, economy: Economy) -> None:
    with pytest.raises(DomainError):
        subsidies.do_supersede_rule(
            world.users["town_a"], "hiring", dt.date(2020, 4, 1), per_person=Decimal(2000)
        )
    new = subsidies.do_supersede_rule(
        world.users["district"], "hiring", dt.date(2020, 4, 1), per_person=Decimal(2000)
    )
    old = SubsidyRule.objects.get(kind="hiring", valid_from=dt.date(2020, 2, 1))
    assert old.valid_to == dt.date(2020, 3, 31)
    assert subsidies.rule_in_force("hiring", dt.date(2020, 3, 31)).pk == old.pk
    assert subsidies.rule_in_force("hiring", dt.date(2020, 4, 1)).pk == new.pk
    assert new.steps == old.steps and new.per_person == Decimal(2000)
