"""The policy rules page: versions listed, the district office adds the next one from a date, the
version before ends there, what began earlier keeps its pinned rule, and each write is logged."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone, translation

from hongyixing.control import services as control
from hongyixing.core.models import ChangeLog, DomainEvent
from hongyixing.rules import services
from hongyixing.rules.models import MeasureRule, VerificationRule
from tests.personas import World

pytestmark = pytest.mark.django_db
ADD_CLOSE_CONTACT = "/rules/measures/central_isolation/close_contact/new/"


@pytest.fixture(autouse=True)
def _chinese():
    with translation.override("zh-hans"):
        yield


def _tomorrow() -> dt.date:
    return timezone.localdate() + dt.timedelta(days=1)


def _measure_form(**changes: Any) -> dict[str, Any]:
    values = {
        "name": "密接集中隔离（7+3）",
        "period_days": "7",
        "test_days": "1，2、3, 5,7",
        "follow_on_type": "home_monitoring",
        "follow_on_days": "3",
        "follow_on_test_days": "3",
        "valid_from": _tomorrow().isoformat(),
        "note": "第十版方案调整",
    }
    return {**values, **changes}


def test_the_page_lists_every_rule_with_its_history(world: World, client_for: Any) -> None:
    body = client_for("town_a").get("/rules/").content.decode()
    assert "政策规则" in body
    for name in ("密接集中隔离（5+3）", "密接集中隔离（7+3）", "密切接触者", "居家健康监测"):
        assert name in body, name
    assert "2022-06-28" in body and "2022-11-11" in body  # valid_from → valid_to of the 7+3 version
    assert "集中隔离" in body and "密切接触者" in body  # type and category as words, not codes
    assert "close_contact" not in body.replace(ADD_CLOSE_CONTACT, "")
    assert "新增版本" not in body  # a town reads the policy; the district office sets it
    office = client_for("district").get("/rules/").content.decode()
    assert ADD_CLOSE_CONTACT in office


def test_district_office_adds_a_measure_rule_version_and_open_measures_keep_theirs(
    world: World, client_for: Any
) -> None:
    office = world.users["district"]
    before = control.do_open_measure(
        office, world.a.persons[0], control.MeasureSpec(type="central_isolation", category="close_contact")
    )
    assert before.period_days == 5
    old = before.rule
    answer = client_for("district").post(ADD_CLOSE_CONTACT, _measure_form())
    assert answer.status_code == 302, answer.content.decode()[:800]
    new = MeasureRule.objects.get(measure_type="central_isolation", category="close_contact", valid_to=None)
    assert new.valid_from == _tomorrow() and new.period_days == 7 and new.test_days == [1, 2, 3, 5, 7]
    assert new.follow_on_type == "home_monitoring" and new.follow_on_test_days == [3]
    old.refresh_from_db()
    assert old.valid_to == _tomorrow()
    before.refresh_from_db()
    assert before.rule_id == old.pk and before.period_days == 5  # pinned when it began
    later = control.do_open_measure(
        office,
        world.b.persons[0],
        control.MeasureSpec(type="central_isolation", category="close_contact", start=_tomorrow()),
    )
    assert later.rule_id == new.pk and later.period_days == 7
    assert ChangeLog.objects.filter(
        object_type="rules.measurerule", object_id=new.pk, action="create"
    ).exists()
    assert ChangeLog.objects.filter(
        object_type="rules.measurerule", object_id=old.pk, action="update"
    ).exists()
    assert DomainEvent.objects.filter(name="measurerule.superseded", subject_id=new.pk).exists()
    history = client_for("district").get("/rules/").content.decode()
    assert "第十版方案调整" in history and _tomorrow().isoformat() in history


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        ({"valid_from": "2022-11-11"}, "rule.in_the_past", "valid_from"),
        ({"valid_from": "明天"}, "rule.bad_date", "valid_from"),
        ({"period_days": "0"}, "rule.bad_number", "period_days"),
        ({"test_days": "1, 9"}, "rule.bad_test_days", "test_days"),
        ({"follow_on_type": "central_isolation"}, "rule.bad_follow_on", "follow_on_type"),
        ({"follow_on_days": ""}, "rule.bad_number", "follow_on_days"),
        ({"name": " "}, "text.required", "name"),
    ],
)
def test_bad_versions_are_refused_at_their_field(
    world: World, client_for: Any, changes: dict[str, Any], code: str, field: str
) -> None:
    from hongyixing.core.errors import DomainError

    count = MeasureRule.objects.count()
    data = _measure_form(**changes)
    with pytest.raises(DomainError) as refused:
        services.do_add_measure_rule_version(
            world.users["district"],
            "central_isolation",
            "close_contact",
            services.MeasureRuleInput(**data),
        )
    assert refused.value.code == code and refused.value.field == field
    page = client_for("district").post(ADD_CLOSE_CONTACT, data)
    assert page.status_code == 200 and str(refused.value.message) in page.content.decode()
    assert MeasureRule.objects.count() == count


def test_a_version_must_start_after_the_current_one(world: World) -> None:
    from hongyixing.core.errors import DomainError

    office = world.users["district"]
    data = services.MeasureRuleInput(
        **_measure_form(valid_from=(_tomorrow() + dt.timedelta(days=9)).isoformat())
    )
    services.do_add_measure_rule_version(office, "central_isolation", "close_contact", data)
    with pytest.raises(DomainError) as refused:
        services.do_add_measure_rule_version(
            office, "central_isolation", "close_contact", services.MeasureRuleInput(**_measure_form())
        )
    assert refused.value.code == "rule.before_current"


def test_a_verification_deadline_version(world: World, client_for: Any) -> None:
    current = VerificationRule.objects.get(category="close_contact", valid_to=None)
    page = client_for("district").post(
        "/rules/verification/close_contact/new/",
        {"name": "密切接触者", "deadline_minutes": "90", "valid_from": _tomorrow().isoformat(), "note": ""},
    )
    assert page.status_code == 302
    new = VerificationRule.objects.get(category="close_contact", valid_to=None)
    current.refresh_from_db()
    assert new.deadline_minutes == 90 and timezone.localtime(new.valid_from).date() == _tomorrow()
    assert current.valid_to == new.valid_from
    now = timezone.now()
    assert services.verification_rule("close_contact", now).pk == current.pk
    assert services.verification_rule("close_contact", now + dt.timedelta(days=2)).pk == new.pk
    assert DomainEvent.objects.filter(name="verificationrule.superseded", subject_id=new.pk).exists()
    refused = client_for("district").post(
        "/rules/verification/close_contact/new/",
        {"name": "密切接触者", "deadline_minutes": "0", "valid_from": "2099-01-01"},
    )
    assert "请填写 1 到" in refused.content.decode()
    assert VerificationRule.objects.filter(category="close_contact").count() == 2


@pytest.mark.parametrize("persona", ["town_a", "grid_a1", "cdc", "enterprise"])
def test_only_the_district_office_adds_versions(world: World, client_for: Any, persona: str) -> None:
    client = client_for(persona)
    counts = (MeasureRule.objects.count(), VerificationRule.objects.count())
    assert client.get(ADD_CLOSE_CONTACT).status_code == 404
    assert client.post(ADD_CLOSE_CONTACT, _measure_form()).status_code == 404
    assert client.post("/rules/verification/general/new/", {"deadline_minutes": "60"}).status_code == 404
    assert (MeasureRule.objects.count(), VerificationRule.objects.count()) == counts
    assert client_for("district").get("/rules/measures/central_isolation/nobody/new/").status_code == 404
