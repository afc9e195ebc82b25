"""Measures from open to release: rules pinned, the team of four, checks, alerts, tests, transfers,
sites and release preconditions, on a frozen clock."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest

from hongyixing.accounts import services as accounts
from hongyixing.areas.models import AdminUnit
from hongyixing.control import services
from hongyixing.control.choices import (
    AlertKind,
    MeasureSource,
    MeasureState,
    MeasureType,
    RoomStatus,
    SampleStatus,
    TeamRole,
    TransferReason,
    TransferState,
)
from hongyixing.control.models import Alert, HealthCheck, Measure, Room, Sample, Transfer
from hongyixing.core.errors import DomainError
from hongyixing.core.models import ChangeLog, DomainEvent
from hongyixing.notices.models import Notification
from hongyixing.rules.services import measure_rule
from hongyixing.verification.choices import Disposition
from hongyixing.verification.services import FeedbackInput, submit_feedback
from tests.control.conftest import frozen, local
from tests.personas import VILLAGE_A, World

pytestmark = pytest.mark.django_db


def _open(world: World, kind: str = MeasureType.HOME_ISOLATION, **spec) -> Measure:
    person = world.a.persons[0]
    return services.do_open_measure(world.users["town_a"], person, services.MeasureSpec(type=kind, **spec))


def _check(measure: Measure, temperature: str = "36.5", **extra) -> services.CheckInput:
    return services.CheckInput(
        client_id=str(uuid.uuid4()), measure_id=measure.pk, temperature=temperature, **extra
    )


def test_rules_in_force_follow_the_policy_history() -> None:
    assert measure_rule("central_isolation", "close_contact", dt.date(2021, 6, 1)).period_days == 14
    seven = measure_rule("central_isolation", "close_contact", dt.date(2022, 7, 1))
    assert (seven.period_days, seven.follow_on_days, seven.test_days) == (7, 3, [1, 2, 3, 5, 7])
    five = measure_rule("central_isolation", "close_contact", dt.date(2026, 11, 1))
    assert (five.period_days, five.follow_on_type, five.follow_on_days) == (5, "home_isolation", 3)
    # A category without its own rule falls back to the general one of that type.
    assert measure_rule("home_isolation", "close_contact", dt.date(2026, 11, 1)).category == "general"
    with pytest.raises(LookupError):
        measure_rule("home_isolation", "general", dt.date(2019, 6, 1))


def test_a_home_isolation_disposition_opens_a_measure_with_team_schedule_and_link(world: World) -> None:
    village = AdminUnit.objects.get(path=VILLAGE_A)
    cadre = accounts.do_create_user(None, "cadre_a", password="Persona-pass-2020")
    accounts.do_grant(None, cadre, "village_cadre", unit=village)
    police = accounts.do_create_user(None, "police_a", password="Persona-pass-2020")
    accounts.do_grant(None, police, "community_police", unit=world.a.town)
    arrival = dt.date(2026, 11, 27)
    with frozen(local(2026, 11, 29, 9)):
        submit_feedback(
            world.users["grid_a1"],
            world.a.task,
            FeedbackInput(
                client_id=str(uuid.uuid4()),
                contact_method="visit",
                disposition=Disposition.HOME_ISOLATION,
                arrival_date=arrival,
            ),
        )
    measure = Measure.objects.get(person=world.a.task.person)
    assert (measure.type, measure.source, measure.state) == (
        "home_isolation",
        MeasureSource.VERIFICATION,
        "active",
    )
    assert measure.task_id == world.a.task.pk
    assert measure.start_date == arrival
    assert measure.end_date == arrival + dt.timedelta(days=6)  # 7 days, rule of 2022-06-28
    team = {m.role: m.user for m in measure.team.all()}
    assert team == {
        TeamRole.GRID_WORKER: world.users["grid_a1"],
        TeamRole.CADRE: cadre,
        TeamRole.POLICE: police,
        TeamRole.MEDICAL: world.users["cdc"],
    }
    assert list(measure.samples.order_by("due_date").values_list("day_number", flat=True)) == [1, 4, 7]
    assert measure.self_report.revoked_at is None
    assert DomainEvent.objects.filter(name="measure.opened", subject_id=measure.pk).exists()
    assert ChangeLog.objects.filter(object_type="control.measure", object_id=measure.pk).exists()


def test_one_active_measure_per_person(world: World) -> None:
    _open(world)
    with pytest.raises(DomainError) as refused:
        _open(world, MeasureType.HOME_MONITORING)
    assert refused.value.code == "measure.already_active"


def test_opening_out_of_scope_is_not_found(world: World) -> None:
    from django.http import Http404

    with pytest.raises(Http404):
        services.do_open_measure(
            world.users["town_b"], world.a.persons[0], services.MeasureSpec(type=MeasureType.HOME_ISOLATION)
        )


def test_extension_and_early_end(world: World) -> None:
    with frozen(local(2026, 11, 29)):
        measure = _open(world)
        extended = services.do_extend(
            world.users["town_a"], measure, 3, "test positive in household", measure.version
        )
        assert extended.end_date == measure.end_date + dt.timedelta(days=3)
        assert extended.test_days[-1] == 10
        assert Sample.objects.filter(measure=measure, day_number=10, due_date=extended.end_date).exists()
        with pytest.raises(DomainError) as stale:
            services.do_extend(world.users["town_a"], measure, 1, "again", measure.version)
        assert stale.value.code == "measure.stale"
        ended = services.do_end_early(world.users["town_a"], extended, "judged not a contact")
    assert ended.state == MeasureState.ENDED_EARLY
    assert not Sample.objects.filter(measure=measure, status=SampleStatus.SCHEDULED).exists()
    assert Measure.objects.get(pk=measure.pk).self_report.revoked_at is not None


def test_unsuitable_home_converts_to_centralised_keeping_the_start(world: World) -> None:
    with frozen(local(2026, 11, 29)):
        measure = _open(world, start=dt.date(2026, 11, 27))
        checked = services.do_record_suitability(world.users["grid_a1"], measure, {"single_room": True})
        assert checked.suitable is False
        central = services.do_convert(
            world.users["town_a"], checked, MeasureType.CENTRAL_ISOLATION, "no own toilet"
        )
    assert Measure.objects.get(pk=measure.pk).state == MeasureState.CONVERTED
    assert (central.type, central.source, central.previous_id) == (
        "central_isolation",
        "conversion",
        measure.pk,
    )
    assert central.start_date == dt.date(2026, 11, 27)
    assert central.period_days == 7


def test_checks_are_idempotent_and_all_or_nothing(world: World) -> None:
    with frozen(local(2026, 11, 29, 8)):
        measure = _open(world)
        item = _check(measure)
        first = services.do_record_checks(world.users["grid_a1"], [item])
        again = services.do_record_checks(world.users["grid_a1"], [item])
        assert first[0].check_id == again[0].check_id
        assert (first[0].duplicate, again[0].duplicate) == (False, True)
        assert HealthCheck.objects.filter(measure=measure).count() == 1
        assert HealthCheck.objects.get().slot == "m"
        bad = [_check(measure, "36.6"), _check(measure, "55")]
        with pytest.raises(DomainError) as refused:
            services.do_record_checks(world.users["grid_a1"], bad)
        assert refused.value.errors[0]["index"] == 1
        assert HealthCheck.objects.filter(measure=measure).count() == 1


def test_checks_for_someone_else_s_people_are_refused(world: World) -> None:
    with frozen(local(2026, 11, 29, 8)):
        measure = services.do_open_measure(
            world.users["town_b"], world.b.persons[0], services.MeasureSpec(type=MeasureType.HOME_ISOLATION)
        )
        with pytest.raises(DomainError):
            services.do_record_checks(world.users["grid_a1"], [_check(measure)])
    assert not HealthCheck.objects.exists()


def test_an_abnormal_check_alerts_the_team_and_orders_a_fever_clinic_transfer(world: World) -> None:
    with frozen(local(2026, 11, 29, 19)):
        measure = _open(world)
        result = services.do_record_checks(None, [_check(measure, "38.2")], "self", self_measure=measure)
        assert result[0].abnormal
        services.do_record_checks(None, [_check(measure, "38.4")], "self", self_measure=measure)
    alerts = Alert.objects.filter(kind=AlertKind.ABNORMAL_CHECK, measure=measure)
    assert alerts.count() == 2
    assert Notification.objects.filter(
        recipient=world.users["grid_a1"], kind="control.abnormal_check"
    ).exists()
    assert Notification.objects.filter(
        recipient=world.users["district"], kind="control.abnormal_check"
    ).exists()
    transfers = Transfer.objects.filter(reason=TransferReason.FEVER_CLINIC)
    assert transfers.count() == 1  # one open order per person is enough
    assert transfers.get().carried.get().person_id == measure.person_id


def test_a_clinic_transfer_of_a_person_without_an_address_starts_from_a_named_place(world: World) -> None:
    from hongyixing.people.models import Person

    pk = world.a.persons[0].pk
    Person.objects.filter(pk=pk).update(current_address="", domicile_address="", household=None)
    person = Person.objects.get(pk=pk)
    with frozen(local(2026, 11, 29, 19)):
        measure = services.do_open_measure(
            world.users["town_a"], person, services.MeasureSpec(type=MeasureType.HOME_ISOLATION)
        )
        services.do_record_checks(None, [_check(measure, "38.2")], "self", self_measure=measure)
    transfer = Transfer.objects.get(reason=TransferReason.FEVER_CLINIC)
    village = AdminUnit.objects.get(path=VILLAGE_A)
    assert transfer.from_place.startswith(village.name)
    assert person.unit_path not in transfer.from_place


def test_missed_checks_alert_after_the_cut_off_once(world: World) -> None:
    with frozen(local(2026, 11, 29, 8)):
        measure = _open(world)
        other = services.do_open_measure(
            world.users["town_a"], world.a.persons[1], services.MeasureSpec(type=MeasureType.HOME_ISOLATION)
        )
        services.do_record_checks(world.users["grid_a1"], [_check(other)])
    before_cutoff = services.do_escalate(local(2026, 11, 29, 9, 59))
    assert before_cutoff["missed_check"] == 0
    after = services.do_escalate(local(2026, 11, 29, 10, 1))
    assert after["missed_check"] == 1
    alert = Alert.objects.get(kind=AlertKind.MISSED_CHECK)
    assert alert.measure_id == measure.pk
    assert services.do_escalate(local(2026, 11, 29, 10, 5))["missed_check"] == 0  # idempotent
    assert services.do_escalate(local(2026, 11, 29, 20, 1))["missed_check"] == 2  # both miss the evening


def test_tests_sampling_results_import_and_positive_alert(world: World) -> None:
    with frozen(local(2026, 11, 29, 8)):
        measure = _open(world)
        first = measure.samples.order_by("due_date").first()
        assert first is not None
        services.do_record_sampling(world.users["grid_a1"], first, "TUBE-1", "护士甲")
        with pytest.raises(DomainError) as reused:
            other = services.do_open_measure(
                world.users["town_a"],
                world.a.persons[1],
                services.MeasureSpec(type=MeasureType.HOME_ISOLATION),
            )
            services.do_record_sampling(world.users["grid_a1"], other.samples.first(), "TUBE-1", "护士甲")
        assert reused.value.code == "sample.barcode_used"
        rows = [
            services.ResultRow(row_number=2, barcode="TUBE-1", id_number="", result="阳性"),
            services.ResultRow(row_number=3, barcode="NOPE", id_number="", result="阴性"),
        ]
        with pytest.raises(DomainError) as refused:
            services.do_import_results(world.users["cdc"], rows)
        assert [e["row"] for e in refused.value.errors] == [3]
        assert Sample.objects.get(pk=first.pk).status == SampleStatus.SAMPLED  # nothing applied
        outcome = services.do_import_results(world.users["cdc"], rows[:1])
    assert outcome == {"applied": 1, "positive": 1}
    assert Alert.objects.filter(kind=AlertKind.POSITIVE_TEST, sample=first).exists()
    assert Notification.objects.filter(recipient=world.users["cdc"], kind="control.positive_test").exists()


def test_overdue_samples_alert(world: World) -> None:
    with frozen(local(2026, 11, 29, 8)):
        _open(world, start=dt.date(2026, 11, 29))
    counts = services.do_escalate(local(2026, 11, 30, 10, 30))
    assert counts["overdue_sample"] == 1  # day 1 was due on the 29th


def test_rooms_cannot_be_double_booked(world: World) -> None:
    district = world.users["district"]
    site = services.do_create_site(
        district,
        services.SiteSpec(
            name="洪泽湖宾馆",
            kind="hotel",
            address="洪泽区东风路1号",
            capacity=2,
            manager_name="张经理",
            unit_path="320813",
            rooms=["101", "102"],
        ),
    )
    room = Room.objects.get(site=site, number="101")
    with frozen(local(2026, 11, 29, 8)):
        first = services.do_open_measure(
            district, world.a.persons[0], services.MeasureSpec(type="central_isolation")
        )
        second = services.do_open_measure(
            district, world.a.persons[1], services.MeasureSpec(type="central_isolation")
        )
        stay = services.do_check_in(district, first, room)
        with pytest.raises(DomainError) as taken:
            services.do_check_in(district, second, room)
        assert taken.value.code == "room.taken"
        with pytest.raises(DomainError):
            services.do_set_room_status(district, room, RoomStatus.FREE)
        services.do_check_out(district, stay)
    assert Room.objects.get(pk=room.pk).status == RoomStatus.CLEANING


def test_transfer_loop_alarm_and_closing(world: World) -> None:
    district = world.users["district"]
    with frozen(local(2026, 11, 29, 8)):
        measure = services.do_open_measure(
            district, world.a.persons[0], services.MeasureSpec(type="central_isolation")
        )
        transfer = services.do_create_transfer(
            district,
            services.TransferSpec(
                reason="to_site", from_place="家", to_place="洪泽湖宾馆", scheduled_at=local(2026, 11, 29, 9)
            ),
            [measure],
        )
        with pytest.raises(DomainError) as missing:
            services.do_pick_up(district, transfer, "王司机", {}, "苏H12345", "王司机")
        assert missing.value.code == "transfer.no_temperature"
    with frozen(local(2026, 11, 29, 9)):
        services.do_pick_up(district, transfer, "转运组李", {measure.person_id: "36.6"}, "苏H12345", "王司机")
    assert services.do_escalate(local(2026, 11, 29, 12, 59))["open_loop"] == 0
    assert services.do_escalate(local(2026, 11, 29, 13, 1))["open_loop"] == 1
    with frozen(local(2026, 11, 29, 13, 5)):
        with pytest.raises(DomainError):
            services.do_close_transfer(district, transfer, "消杀员")
        services.do_hand_over(district, transfer, "转运组李", "宾馆前台")
        closed = services.do_close_transfer(district, transfer, "消杀员")
    assert closed.state == TransferState.CLOSED
    assert Alert.objects.get(kind=AlertKind.OPEN_LOOP).state == "closed"
    with pytest.raises(DomainError):
        services.do_create_transfer(
            world.users["grid_a1"],
            services.TransferSpec(
                reason="to_site", from_place="x", to_place="y", scheduled_at=local(2026, 11, 29, 9)
            ),
            [measure],
        )


def test_release_needs_the_period_and_negative_tests_then_opens_the_follow_on(world: World) -> None:
    district = world.users["district"]
    start = dt.date(2026, 11, 20)
    with frozen(local(2026, 11, 21, 8)):
        measure = services.do_open_measure(
            district,
            world.a.persons[0],
            services.MeasureSpec(type="central_isolation", category="close_contact", start=start),
        )
        assert measure.end_date == dt.date(2026, 11, 24)  # 5 days
        with pytest.raises(DomainError) as early:
            services.do_propose_release(world.users["grid_a1"], measure)
        assert early.value.code == "release.not_ready"
    with frozen(local(2026, 11, 24, 18)):
        for n, sample in enumerate(measure.samples.order_by("due_date")):
            services.do_record_sampling(world.users["cdc"], sample, f"T-{n}", "护士")
        assert len(services.release_blockers(measure)) == 1  # every test waits for its result
        for sample in measure.samples.all():
            services.do_record_result(world.users["cdc"], sample, "negative")
        assert services.release_blockers(measure) == []
        services.do_propose_release(world.users["grid_a1"], measure)
        with pytest.raises(DomainError) as not_community:
            services.do_confirm_release(world.users["grid_a1"], measure)
        assert not_community.value.code == "release.not_allowed"
        released = services.do_confirm_release(world.users["town_a"], measure)
    assert released.state == MeasureState.RELEASED
    assert released.release_number == "洪解〔2026〕1号"
    follow = Measure.objects.get(previous=measure)
    assert (follow.type, follow.source, follow.follow_on) == ("home_isolation", "follow_on", True)
    assert follow.start_date == dt.date(2026, 11, 25)
    assert (follow.period_days, follow.test_days) == (3, [1, 3])


def test_transfer_out_needs_the_district_office(world: World) -> None:
    measure = _open(world)
    services.do_request_transfer_out(world.users["town_a"], measure, "淮安市清江浦区", "moved")
    with pytest.raises(DomainError):
        services.do_decide_transfer_out(world.users["town_a"], measure, True)
    decided = services.do_decide_transfer_out(world.users["district"], measure, True)
    assert decided.state == MeasureState.TRANSFERRED_OUT


def test_inbound_registration_opens_measure_transfer_and_liaison(world: World) -> None:
    with frozen(local(2026, 11, 29, 8)):
        arrival = services.do_register_inbound(
            world.users["town_a"],
            world.a.persons[0],
            services.InboundSpec(
                entry_port="上海浦东机场",
                entry_date=dt.date(2026, 11, 22),
                liaison=world.users["grid_a1"],
                local_measure="home_isolation",
                countries_14d="日本",
                first_entry_until=dt.date(2026, 11, 27),
            ),
        )
    assert arrival.measure is not None and arrival.measure.category == "inbound"
    assert arrival.measure.start_date == dt.date(2026, 11, 28)
    assert arrival.transfer is not None and arrival.transfer.reason == "inbound"
    assert arrival.measure.team.filter(role=TeamRole.LIAISON, user=world.users["grid_a1"]).exists()


def test_temperature_threshold_is_the_configured_one(world: World, settings) -> None:
    settings.ABNORMAL_TEMPERATURE = "37.3"
    with frozen(local(2026, 11, 29, 8)):
        measure = _open(world)
        normal, fever = services.do_record_checks(
            world.users["grid_a1"], [_check(measure, "37.2"), _check(measure, "37.3")]
        )
    assert (normal.abnormal, fever.abnormal) == (False, True)
    assert HealthCheck.objects.get(pk=fever.check_id).temperature == Decimal("37.3")


def test_not_a_number_is_a_clear_error_and_a_foreign_client_id_is_refused(world: World) -> None:
    with frozen(local(2026, 11, 29, 8)):
        measure = _open(world)
        other = services.do_open_measure(
            world.users["town_a"], world.a.persons[1], services.MeasureSpec(type=MeasureType.HOME_ISOLATION)
        )
        for bad in ("NaN", "Infinity"):
            with pytest.raises(DomainError) as refused:
                services.do_record_checks(world.users["grid_a1"], [_check(measure, bad)])
            assert refused.value.code == "checks.invalid"
        mine = _check(measure)
        services.do_record_checks(world.users["grid_a1"], [mine])
        replayed_elsewhere = services.CheckInput(
            client_id=mine.client_id, measure_id=other.pk, temperature="36.5"
        )
        with pytest.raises(DomainError):
            services.do_record_checks(None, [replayed_elsewhere], "self", self_measure=other)
    assert HealthCheck.objects.count() == 1
