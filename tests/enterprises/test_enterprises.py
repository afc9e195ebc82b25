from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from hongyixing.core.errors import DomainError, NotFound
from hongyixing.core.masking import mask_id_number
from hongyixing.enterprises import services
from hongyixing.enterprises.choices import CHECKLIST_KEYS, FilingState
from hongyixing.enterprises.models import Employee, Enterprise, Filing
from hongyixing.enterprises.staff import StaffRow, do_add_staff, staff_status
from hongyixing.verification.models import VerificationTask
from tests.enterprises.builders import Economy, build_economy, credit_code, mark_risky, staff_number
from tests.personas import World

pytestmark = pytest.mark.django_db

FULL = dict.fromkeys(CHECKLIST_KEYS, True)


def test_a_bad_credit_code_is_refused_with_its_field(world: World) -> None:
    spec = services.EnterpriseSpec(
        name="某公司", credit_code=credit_code(7)[:-1] + "0", unit_path=world.a.town.path, industry="food"
    )
    if spec.credit_code == credit_code(7):
        spec.credit_code = spec.credit_code[:-1] + "1"
    with pytest.raises(DomainError) as refused:
        services.do_register_enterprise(world.users["district"], spec)
    assert refused.value.field == "credit_code"


def test_registration_needs_the_town_or_the_district(world: World) -> None:
    spec = services.EnterpriseSpec(
        name="某公司", credit_code=credit_code(8), unit_path=world.b.town.path, industry="food"
    )
    with pytest.raises(NotFound):
        services.do_register_enterprise(world.users["town_a"], spec)
    assert services.do_register_enterprise(world.users["town_b"], spec).unit_path == world.b.town.path
    with pytest.raises(DomainError) as duplicate:
        services.do_register_enterprise(world.users["district"], spec)
    assert duplicate.value.code == "enterprise.duplicate"


def test_an_enterprise_sees_only_itself(world: World, economy: Economy) -> None:
    contact = economy.contacts["a"]
    assert list(Enterprise.objects.restrict(contact)) == [economy.enterprises["a"]]
    assert set(Employee.objects.restrict(contact).values_list("enterprise_id", flat=True)) == {
        economy.enterprises["a"].pk
    }
    assert not Enterprise.objects.restrict(contact, "reveal").exists()
    assert not Enterprise.objects.restrict(contact, "export").exists()
    assert list(Enterprise.objects.restrict(world.users["town_b"])) == [economy.enterprises["b"]]
    with pytest.raises(NotFound):
        services.do_open_filing(contact, economy.enterprises["b"], services.FilingInput(checklist=FULL))


def test_filing_moves_only_by_its_rules(world: World, economy: Economy) -> None:
    contact, town_a, town_b = economy.contacts["a"], world.users["town_a"], world.users["town_b"]
    enterprise = economy.enterprises["a"]
    filing = services.do_open_filing(contact, enterprise, services.FilingInput(checklist={"masks": True}))
    with pytest.raises(DomainError) as incomplete:
        services.do_submit_filing(contact, filing)
    assert incomplete.value.code == "filing.incomplete"
    services.do_save_filing(contact, filing, services.FilingInput(checklist=FULL, staff_planned=40))
    with pytest.raises(DomainError) as early:
        services.do_approve_filing(town_a, filing, dt.date(2020, 2, 20))
    assert early.value.code == "filing.bad_state"
    services.do_submit_filing(contact, filing)
    # The enterprise cannot approve itself; another town cannot see it; the grid worker may not act.
    with pytest.raises(DomainError) as own:
        services.do_approve_filing(contact, filing, dt.date(2020, 2, 20))
    assert own.value.code == "filing.not_allowed"
    with pytest.raises(NotFound):
        services.do_approve_filing(town_b, filing, dt.date(2020, 2, 20))
    with pytest.raises(DomainError):
        services.do_return_filing(world.users["grid_a1"], filing, "缺隔离室")
    with pytest.raises(DomainError) as no_reason:
        services.do_return_filing(town_a, filing, " ")
    assert no_reason.value.code == "filing.no_reason"
    services.do_return_filing(town_a, filing, "隔离室不符合要求")
    services.do_submit_filing(contact, filing)
    photo = ("现场.jpg", "image/jpeg", b"\xff\xd8jpeg")
    inspection = services.do_inspect(
        town_a, filing, services.InspectionInput(passed=True, findings="符合要求"), [photo]
    )
    assert inspection.photos.count() == 1
    services.do_approve_filing(town_a, filing, dt.date(2020, 2, 20))
    filing.refresh_from_db()
    enterprise.refresh_from_db()
    assert filing.state == FilingState.APPROVED and enterprise.resumed_on == dt.date(2020, 2, 20)
    from hongyixing.core.models import ChangeLog

    assert ChangeLog.objects.filter(object_id=str(filing.pk), object_type__icontains="filing").count() >= 6


def test_staff_are_linked_and_masked(world: World, economy: Economy) -> None:
    resident = world.a.persons[0]
    result = do_add_staff(
        economy.contacts["a"],
        economy.enterprises["a"],
        [
            StaffRow(2, {"name": resident.name, "id_number": world.a.plain_ids[0], "origin": "南京"}),
            StaffRow(3, {"name": "无证", "id_number": ""}),
            StaffRow(4, {"name": "员工a0", "id_number": economy.staff_ids["a"][0]}),
        ],
    )
    assert result.created == 1 and result.linked == 1 and len(result.errors) == 2
    employee = Employee.objects.get(enterprise=economy.enterprises["a"], person=resident)
    assert world.a.plain_ids[0] not in employee.id_masked
    assert employee.id_masked == mask_id_number(world.a.plain_ids[0])


def test_a_risky_returnee_becomes_a_task_exactly_once(world: World, economy: Economy) -> None:
    mark_risky("湖北")
    resident = world.b.persons[1]  # no open task yet (the push list named persons[0])
    row = {"name": resident.name, "id_number": world.b.plain_ids[1], "origin": "湖北省武汉市"}
    before = VerificationTask.objects.filter(person=resident).count()
    first = do_add_staff(economy.contacts["a"], economy.enterprises["a"], [StaffRow(2, row)])
    assert first.risky == 1 and first.tasks == 1
    again = do_add_staff(economy.contacts["a"], economy.enterprises["a"], [StaffRow(2, row)])
    assert again.created == 0
    # The same person listed by a second enterprise: the open task is reused, not doubled.
    other = do_add_staff(economy.contacts["b"], economy.enterprises["b"], [StaffRow(2, row)])
    assert other.risky == 1 and other.tasks == 0
    assert VerificationTask.objects.filter(person=resident).count() == before + 1
    views = staff_status(list(Employee.objects.filter(person=resident)))
    assert {v.status for v in views} == {"pending"}


def test_status_shows_control_until_date(world: World, economy: Economy) -> None:
    from hongyixing.control import services as control

    resident = world.a.persons[1]
    do_add_staff(
        economy.contacts["a"],
        economy.enterprises["a"],
        [StaffRow(2, {"name": resident.name, "id_number": world.a.plain_ids[1]})],
    )
    measure = control.do_open_measure(
        world.users["district"], resident, control.MeasureSpec(type="home_isolation")
    )
    [view] = staff_status(list(Employee.objects.filter(person=resident)))
    assert view.status == "controlled" and view.until == measure.end_date


def test_import_from_the_market_supervision_list(world: World) -> None:
    import io

    from hongyixing.exchange.tabular import write_xlsx

    buffer = io.BytesIO()
    write_xlsx(
        buffer,
        ["企业名称", "统一社会信用代码", "所属镇街", "行业", "是否规上"],
        [
            ["洪泽盐化有限公司", credit_code(11), "高良涧街道", "盐化工", "是"],
            ["坏代码公司", "913208130000000123", "高良涧街道", "机械", "否"],
            ["岔河机械厂", credit_code(12), "岔河镇", "机械制造", "否"],
        ],
        sheet_name="企业",
    )
    result = services.do_import_enterprises(world.users["town_a"], buffer.getvalue(), "企业名录.xlsx")
    assert [e.name for e in result.created] == ["洪泽盐化有限公司"]
    assert {e["row"] for e in result.errors} == {3, 4}
    assert result.created[0].above_scale and result.created[0].industry == "salt_chemical"


def test_contact_never_sees_another_enterprise_in_filings(world: World) -> None:
    economy = build_economy(world, staff=False)
    services.do_open_filing(
        economy.contacts["b"], economy.enterprises["b"], services.FilingInput(checklist=FULL)
    )
    assert not Filing.objects.restrict(economy.contacts["a"]).exists()
    assert Filing.objects.restrict(economy.contacts["b"]).count() == 1
    assert Decimal(0) == Decimal("0.00")
    assert staff_number(1) != staff_number(2)
