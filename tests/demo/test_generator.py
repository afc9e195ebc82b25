"""The demo district generator: the pure plan and population, then one small seeded database."""

from __future__ import annotations

import io
import random
import re
from collections import Counter
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

import pyotp
import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from hongyixing.accounts.models import User
from hongyixing.accounts.services import current_totp_code
from hongyixing.areas.models import AdminUnit, Grid, Household
from hongyixing.core.crypto import unseal
from hongyixing.core.models import ChangeLog
from hongyixing.demo import staff
from hongyixing.demo.generator import seed_district
from hongyixing.demo.names import cn_number, group_name
from hongyixing.demo.plan import apportion, grid_target, partition, plan_district
from hongyixing.demo.population import generate, hongze_area_code, household_sizes
from hongyixing.people import idnumbers
from hongyixing.people.counts import raw_counts
from hongyixing.people.models import Person

HONGZE_CODES = set(idnumbers.HONGZE_AREA_CODES)


def persons_of(seed: int, persons: int, limit: int | None = None):
    _plan, drafts = generate(seed, persons)
    return list(islice((spec for draft in drafts for spec in draft.members), limit))


# --- Pure: allocation and plan --------------------------------------------------------------------


def test_apportion_is_proportional_with_minimum_and_caps() -> None:
    assert apportion([1, 1, 2], 8) == [2, 2, 4]
    assert sum(apportion([5, 1, 1, 100], 50, minimum=1)) == 50
    assert min(apportion([5, 1, 1, 100], 50, minimum=1)) == 1
    capped = apportion([100, 1, 1], 12, minimum=1, caps=[4, 10, 10])
    assert capped[0] == 4 and sum(capped) == 12
    with pytest.raises(ValueError):
        apportion([1, 1], 1, minimum=1)


def test_partition_makes_contiguous_balanced_runs() -> None:
    runs = partition([1.0] * 12, 4)
    assert runs == [1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4]
    uneven = partition([10, 1, 1, 1, 1, 1, 1, 1, 1, 1, 10], 3)
    assert uneven == sorted(uneven) and set(uneven) == {1, 2, 3}
    assert partition([3, 1], 2) == [1, 2]


def test_full_scale_allocation_gives_about_410_grids() -> None:
    plan = plan_district(random.Random(2020), 285_000)
    assert grid_target(285_000, 126) == 410
    assert plan.grid_count == 410
    assert len(plan.villages) == 126
    counts = [v.grid_count for v in plan.villages]
    assert min(counts) >= 1
    assert 3 <= sum(counts) / len(counts) <= 4
    # Proportional to households: the biggest village has more grids than the smallest.
    by_weight = sorted(plan.villages, key=lambda v: v.weight)
    assert by_weight[-1].grid_count > by_weight[0].grid_count
    for village in plan.villages:
        runs = [leaf.grid for leaf in village.leaves]
        assert runs == sorted(runs), "a grid covers a contiguous run of groups/buildings"
        assert set(runs) == set(range(1, village.grid_count + 1))


def test_small_scale_has_one_grid_per_village() -> None:
    plan = plan_district(random.Random(1), 2000)
    assert plan.grid_count == 126


def test_plan_builds_groups_compounds_and_buildings() -> None:
    plan = plan_district(random.Random(2020))
    compounds = []
    for village in plan.villages:
        assert village.responsible
        if village.is_community:
            assert not village.groups and 1 <= len(village.compounds) <= 4
            for compound in village.compounds:
                compounds.append(compound.name)
                assert compound.responsible
                assert [b.name for b in compound.buildings] == [
                    f"{n}栋" for n in range(1, len(compound.buildings) + 1)
                ]
        else:
            assert "村" in village.name
            assert 6 <= len(village.groups) <= 14 and not village.compounds
            assert village.groups[2].name == "三组"
            assert all(g.responsible for g in village.groups)
    assert len(compounds) == len(set(compounds)), "compound names are distinct"
    assert "幸福家园" in compounds
    # 洪泽园三村居委会 is a community despite the 村 in its name.
    assert next(v for v in plan.villages if v.name == "洪泽园三村居委会").is_community


def test_chinese_numerals() -> None:
    assert [cn_number(n) for n in (3, 10, 12, 20, 35, 100, 105, 112, 230)] == [
        "三", "十", "十二", "二十", "三十五", "一百", "一百零五", "一百一十二", "二百三十",
    ]  # fmt: skip
    assert group_name(12) == "十二组"


def test_household_sizes_are_realistic() -> None:
    sizes = household_sizes(random.Random(1), 285_000)
    assert sum(sizes) == 285_000
    assert max(sizes) == 6 and min(sizes) >= 1
    assert 2.75 <= sum(sizes) / len(sizes) <= 2.95
    assert 95_000 <= len(sizes) <= 105_000


# --- Pure: the population ------------------------------------------------------------------------


def test_same_seed_same_persons_different_seed_different() -> None:
    def key(spec):
        return (
            spec.name,
            spec.document_number,
            tuple(spec.phones),
            spec.current_address,
            spec.domicile_address,
        )

    first = [key(s) for s in persons_of(2020, 3000, 200)]
    again = [key(s) for s in persons_of(2020, 3000, 200)]
    other = [key(s) for s in persons_of(2021, 3000, 200)]
    assert first == again
    assert first != other
    assert sum(1 for a, b in zip(first, other, strict=True) if a[1] == b[1]) < 5
    assert len(persons_of(2020, 3000)) == 3000


@pytest.fixture(scope="module")
def population():
    return persons_of(5, 20_000)


def test_ids_are_valid_unique_with_historical_codes(population) -> None:
    numbers = [spec.document_number for spec in population]
    assert len(set(numbers)) == len(numbers)
    elsewhere = 0
    for spec in population:
        parsed = idnumbers.parse(spec.document_number)
        assert parsed.sex == spec.sex, "odd sequence for men, even for women"
        assert parsed.birth_date == spec.birth_date
        if parsed.area_code in HONGZE_CODES:
            assert parsed.area_code == hongze_area_code(parsed.birth_date)
        else:
            elsewhere += 1
    assert 0.04 <= elsewhere / len(population) <= 0.12
    codes = Counter(hongze_area_code(s.birth_date) for s in population)
    assert set(codes) == HONGZE_CODES


def test_population_looks_like_rural_jiangsu(population) -> None:
    ages = [2020 - s.birth_date.year for s in population]
    assert min(ages) >= 0 and max(ages) <= 96
    assert sum(a >= 60 for a in ages) / len(ages) > 0.25, "an ageing population"
    surnames = Counter(s.name[0] for s in population)
    assert surnames.most_common(1)[0][0] == "王"
    assert all(2 <= len(s.name) <= 4 for s in population)
    relations = Counter(s.relation for s in population)
    assert {"head", "spouse", "child", "parent", "grandchild"} <= set(relations)
    residency = Counter(s.residency for s in population)
    assert residency["registered"] / len(population) > 0.85
    assert residency["permanent"] and residency["floating"]
    adults = [s for s in population if 18 <= 2020 - s.birth_date.year < 70]
    with_phone = [s for s in adults if any(p.startswith("1") for p in s.phones)]
    assert len(with_phone) / len(adults) > 0.85
    phones = [p for s in population for p in s.phones]
    assert all(re.fullmatch(r"1[3589]\d{9}|0517-8\d{7}", p) for p in phones)
    assert any(p.startswith("0517-") for p in phones)


def test_addresses_are_written_many_ways(population) -> None:
    written = [s.current_address for s in population]
    assert any(a.startswith("江苏省淮安市洪泽区") for a in written)
    assert any(a.startswith("洪泽县") for a in written)
    assert any(re.search(r"[一二三四五六七八九十]+组", a) for a in written)
    assert any(re.search(r"\d+组", a) for a in written)
    assert any("居委会" in a for a in written) and any("社区" in a for a in written)
    assert any(re.search(r"\d+栋\d+单元\d+", a) for a in written)
    assert any(a.endswith(("对面", "附近")) for a in written)
    assert len(set(written)) > 0.5 * len(written)


# --- One small seeded database ---------------------------------------------------------------------

SEED, PERSONS = 7, 600


@dataclass
class Seeded:
    counts: dict[str, int]
    var_dir: Path


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker, tmp_path_factory):
    """Seed once for the module inside a transaction that is rolled back afterwards."""
    var_dir = tmp_path_factory.mktemp("var")
    with django_db_blocker.unblock(), override_settings(VAR_DIR=var_dir), transaction.atomic():
        counts = seed_district(persons=PERSONS, seed=SEED)
        yield Seeded(counts, var_dir)
        transaction.set_rollback(True)


pytestmark_db = pytest.mark.django_db


@pytestmark_db
def test_seed_counts(seeded: Seeded) -> None:
    # The demo's flow investigation adds a few contacts without a household (new to the registry).
    assert seeded.counts["persons"] == PERSONS == Person.objects.filter(household__isnull=False).count()
    assert seeded.counts["households"] == Household.objects.count()
    assert seeded.counts["grids"] == Grid.objects.count() == 126
    assert seeded.counts["users"] == User.objects.count()
    assert AdminUnit.objects.filter(level="village", path__startswith="320813").count() == 126
    assert AdminUnit.objects.filter(level="town", path__startswith="320813").count() == 10


@pytestmark_db
def test_first_persons_match_the_generation(seeded: Seeded) -> None:
    expected = persons_of(SEED, PERSONS, 30)
    stored = list(Person.objects.order_by("id")[:30])
    assert [p.name for p in stored] == [s.name for s in expected]
    assert [unseal(p.document_ciphertext) for p in stored] == [s.document_number for s in expected]


@pytestmark_db
def test_every_stored_id_is_valid_and_matches_sex_and_history(seeded: Seeded) -> None:
    for person in Person.objects.filter(
        household__isnull=False
    ):  # demo contacts new to the registry have none
        parsed = idnumbers.parse(unseal(person.document_ciphertext))
        assert parsed.sex == person.sex
        assert parsed.birth_date == person.birth_date
        assert person.id_area_code == parsed.area_code
        if parsed.area_code in HONGZE_CODES:
            assert parsed.area_code == hongze_area_code(parsed.birth_date)
        assert person.household_id is not None and person.grid_id is not None


@pytestmark_db
def test_every_household_is_in_a_grid_through_its_unit(seeded: Seeded) -> None:
    for household in Household.objects.select_related("unit", "grid"):
        assert household.grid_id is not None
        assert household.grid_id == household.unit.grid_id
        assert household.unit_path == household.unit.path
        assert household.unit.level in ("group", "building")
        assert household.grid.unit_path == household.unit_path[:12]
        assert household.address.startswith("江苏省淮安市洪泽区")
    leaves = AdminUnit.objects.filter(level__in=["group", "compound", "building"])
    assert not leaves.filter(grid=None).exists()
    assert not AdminUnit.objects.filter(
        path__startswith="320813", responsible_name="", responsible__isnull=True
    ).exists()
    # Villages and grids are in the hands of accounts: the party secretary, the grid worker.
    villages = AdminUnit.objects.filter(level="village", path__startswith="320813").select_related(
        "responsible"
    )
    assert villages and all(v.responsible and v.responsible.username == f"village_{v.path}" for v in villages)
    assert not Grid.objects.filter(worker=None).exists()
    assert all(g.worker_display == g.worker.display_name for g in Grid.objects.select_related("worker"))
    numbers = list(Household.objects.values_list("number", flat=True))
    assert all(re.fullmatch(r"320813\d{11}", n) for n in numbers)


@pytestmark_db
def test_counters_equal_raw_counts(seeded: Seeded) -> None:
    raw = raw_counts()
    for path, persons, households in AdminUnit.objects.values_list("path", "person_count", "household_count"):
        assert (persons, households) == (raw.unit_persons.get(path, 0), raw.unit_households.get(path, 0)), (
            path
        )
    for grid_id, persons, households in Grid.objects.values_list("id", "person_count", "household_count"):
        assert (persons, households) == (
            raw.grid_persons.get(grid_id, 0),
            raw.grid_households.get(grid_id, 0),
        )
    members = Counter(Person.objects.values_list("household_id", flat=True))
    for household_id, count in Household.objects.values_list("id", "person_count"):
        assert count == members[household_id]
    new_contacts = Person.objects.filter(household__isnull=True).exclude(unit_path="").count()
    assert AdminUnit.objects.get(path="320813").person_count == PERSONS + new_contacts


@pytestmark_db
def test_bulk_writes_leave_an_audit_trail(seeded: Seeded) -> None:
    assert ChangeLog.objects.filter(object_type="areas.household").count() == Household.objects.count()
    assert (
        ChangeLog.objects.filter(object_type="people.person", action="create").count()
        == Person.objects.count()
    )
    assert ChangeLog.objects.filter(object_type="areas.adminunit", action="create").count() >= 3000


@pytestmark_db
def test_staff_grants_and_second_factor(seeded: Seeded) -> None:
    grid_worker = User.objects.get(username="grid_320813001001-01")
    assert [(g.role, g.grid.code) for g in grid_worker.grants.all()] == [("grid_worker", "320813001001-01")]
    town = User.objects.get(username="town_320813103")
    assert [(g.role, g.unit.name) for g in town.grants.select_related("unit")] == [("town_officer", "岔河镇")]
    assert User.objects.filter(username__startswith="wg").count() == 8
    enrolled = set(User.objects.exclude(totp_confirmed_at=None).values_list("username", flat=True))
    assert enrolled == {"admin", "district", *(f"wg{n}" for n in range(1, 9))}
    district = User.objects.get(username="district")
    assert current_totp_code(district) == pyotp.TOTP(staff.totp_secret(SEED, "district")).now()
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.Argon2PasswordHasher"]):
        assert district.check_password(staff.DEMO_PASSWORD)
    assert len(staff.DEMO_PASSWORD) >= 10


@pytestmark_db
def test_logins_file_lists_the_personas(seeded: Seeded) -> None:
    text = (seeded.var_dir / "demo-logins.txt").read_text(encoding="utf-8")
    for username in ("admin", "district", "town_320813001", "town_320813103", "grid_320813001001-01",
                     "village_320813001001", "police_320813001", "cdc1", "site1", "enterprise1"):  # fmt: skip
        assert re.search(rf"^{re.escape(username)}\s+{re.escape(staff.DEMO_PASSWORD)}", text, re.MULTILINE)
    assert f"TOTP secret {staff.totp_secret(SEED, 'district')}" in text
    assert "HONGYIXING_DEMO=1 hongyixing manage totp_code district" in text


@pytestmark_db
def test_commands_if_empty_and_totp_code(seeded: Seeded) -> None:
    out = io.StringIO()
    with override_settings(VAR_DIR=seeded.var_dir):
        call_command("seed_demo", "--if-empty", "--persons", "10", stdout=out, skip_checks=True)
    assert "nothing seeded" in out.getvalue()
    assert "town_320813103" in out.getvalue()
    assert Person.objects.filter(household__isnull=False).count() == PERSONS
    code = io.StringIO()
    call_command("totp_code", "district", stdout=code, skip_checks=True)
    assert re.fullmatch(r"\d{6}\n", code.getvalue())


@pytestmark_db
def test_the_demo_holds_control_measures_end_to_end(seeded: Seeded) -> None:
    from hongyixing.control.models import Alert, Measure, Room, Site, Transfer

    active = Measure.objects.filter(state="active")
    assert {"home_isolation", "home_monitoring", "central_isolation"} <= set(
        active.values_list("type", flat=True)
    )
    assert all(m.team.exists() for m in active)
    hotel = Site.objects.get(name="湖滨宾馆集中隔离观察点")
    statuses = set(Room.objects.filter(site=hotel).values_list("status", flat=True))
    assert statuses == {"free", "occupied", "cleaning", "sealed"}
    assert Alert.objects.filter(kind="abnormal_check").exists()
    assert Transfer.objects.filter(reason="fever_clinic").exists()
    released = Measure.objects.filter(state="released")
    assert released.count() == 2 and all(m.release_number for m in released)
    follow = Measure.objects.get(source="follow_on")
    assert (follow.type, follow.previous.category) == ("home_isolation", "close_contact")
    assert Transfer.objects.filter(reason="to_home").exists()


@pytestmark_db
def test_command_centre_scenario(seeded: Seeded) -> None:
    from hongyixing.command import queries
    from hongyixing.command.models import Assignment, Campaign, DutyShift, WorkingGroup
    from hongyixing.command.supervision import supervision_items

    assert WorkingGroup.objects.count() == 9
    office = User.objects.get(username="district")
    on_duty = list(queries.on_duty(office))
    assert len(on_duty) == 11 and DutyShift.objects.count() == 22  # office + 10 towns, yesterday and today
    states = dict(Assignment.objects.values_list("unit__name", "state"))
    assert states == {"朱坝街道": "accepted", "岔河镇": "issued", "高良涧街道": "in_progress"}
    board = supervision_items(office)
    assert [(i.responsible, i.level) for i in board.items if i.source == "directive"] == [("岔河镇", 4)]
    campaign = Campaign.objects.get()
    rows, total, level = queries.coverage(office, campaign)
    assert level == "village" and total.visited > 0 and total.households == sum(r.households for r in rows)
    assert campaign.visits.exclude(task=None).count() == 1


@pytest.mark.django_db
def test_demo_cases_make_three_generations(seeded: Seeded) -> None:
    from hongyixing.cases import queries
    from hongyixing.cases.models import Case, Contact

    first = Case.objects.get(generation=1)
    second = Case.objects.get(generation=2)
    assert first.origin == second.origin == "positive_test"
    assert first.classification == second.classification == "confirmed"
    assert second.infected_by_id == first.pk and first.itinerary.count() == 3
    assert len({e.date for e in first.itinerary.all()}) == 2
    assert Contact.objects.filter(case=first, via__isnull=True).count() == 8
    upgraded = Contact.objects.filter(case=second, category="close")
    assert upgraded.count() == 2 and all(
        k.measure and k.measure.category == "close_contact" for k in upgraded
    )
    nodes = queries.chain_nodes(first, Case.objects.all())
    assert {n.generation for n in nodes} == {1, 2, 3}


@pytestmark_db
def test_the_economy_is_seeded_in_every_state(seeded: Seeded) -> None:
    from django.utils import timezone

    from hongyixing.enterprises.models import Claim, Employee, Enterprise, Filing
    from hongyixing.projects.models import IndicatorValue, Milestone, Project

    assert Enterprise.objects.count() == 300
    assert set(Filing.objects.values_list("state", flat=True)) == {
        "draft",
        "submitted",
        "inspected",
        "approved",
        "returned",
    }
    assert Enterprise.objects.filter(resumed_on__isnull=False).count() > 100
    assert Employee.objects.filter(person__isnull=False).count() == Employee.objects.count() > 100
    assert Employee.objects.filter(risky=True, task__isnull=False).count() == 2
    assert {"submitted", "returned", "in_review", "approved", "in_batch", "paid"} <= set(
        Claim.objects.values_list("state", flat=True)
    )
    assert Project.objects.filter(concentrated_start=True).count() == 12
    assert Milestone.objects.filter(actual__isnull=True, planned__lt=timezone.localdate()).count() == 2
    assert IndicatorValue.objects.filter(period__year=2020).count() == 8 * 12
    enterprise_user = User.objects.get(username="enterprise1")
    assert list(Enterprise.objects.restrict(enterprise_user).values_list("name", flat=True)) == [
        "江苏洪泽湖食品有限公司"
    ]
