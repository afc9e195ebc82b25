"""Cases, contacts and their rules: classification, upgrade of secondary contacts, 时空伴随, idempotent
judgment, the secondary category's end date, and report figures recounted from case rows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from hongyixing.cases import queries, services
from hongyixing.cases.models import Case, ClassificationChange, Contact
from hongyixing.control import services as control_services
from hongyixing.control.models import Measure
from hongyixing.core.errors import DomainError, NotFound
from hongyixing.core.models import DomainEvent
from hongyixing.reports import metrics
from hongyixing.verification.models import VerificationTask
from tests.cases.builders import EXPOSURE, IN_GRID_A1, ONSET, build_case, index_person
from tests.personas import World


@pytest.mark.django_db
def test_classification_moves_one_way_and_only_by_cdc(world: World) -> None:
    cdc, office = world.users["cdc"], world.users["district"]
    person = index_person(world)
    with pytest.raises(DomainError) as refused:
        services.do_open_case(office, person, services.CaseSpec())
    assert refused.value.code == "case.not_cdc"
    with pytest.raises(NotFound):  # out of the grid worker's scope: not found, not "forbidden"
        services.do_open_case(world.users["grid_a1"], person, services.CaseSpec())
    case = services.do_open_case(cdc, person, services.CaseSpec(onset_date=ONSET))
    assert case.classification == "suspected"
    with pytest.raises(DomainError):
        services.do_classify(office, case, "confirmed")
    case = services.do_classify(cdc, case, "asymptomatic", on=dt.date(2022, 7, 12))
    assert case.diagnosis_date == dt.date(2022, 7, 12)
    case = services.do_classify(cdc, case, "confirmed", expected_version=case.version)
    for impossible in ("asymptomatic", "suspected", "excluded", "proposed"):
        with pytest.raises(DomainError) as error:
            services.do_classify(cdc, case, impossible)
        assert error.value.code == "case.bad_transition"
    with pytest.raises(DomainError) as stale:
        services.do_classify(cdc, case, "confirmed", expected_version=1)
    assert stale.value.code == "case.stale"
    history = list(
        ClassificationChange.objects.filter(case=case)
        .order_by("at")
        .values_list("to_classification", flat=True)
    )
    assert history == ["suspected", "asymptomatic", "confirmed"]
    names = set(DomainEvent.objects.filter(person_id=person.pk).values_list("name", flat=True))
    assert {"case.opened", "case.classified"} <= names  # on the person's timeline
    excluded = services.do_open_case(cdc, world.b.persons[1], services.CaseSpec())
    excluded = services.do_classify(cdc, excluded, "excluded")
    with pytest.raises(DomainError):
        services.do_classify(cdc, excluded, "confirmed")


@pytest.mark.django_db
def test_positive_test_proposes_a_case_the_cdc_confirms(world: World) -> None:
    cdc = world.users["cdc"]
    person = world.a.persons[1]
    sample = control_services.do_request_test(cdc, person, "流调")
    control_services.do_record_sampling(cdc, sample, "T-1", "护士")
    sample = control_services.do_record_result(cdc, sample, "positive")
    case = services.do_propose_from_sample(cdc, sample)
    assert (
        case.classification == "proposed" and case.origin == "positive_test" and case.sample_id == sample.pk
    )
    assert services.do_propose_from_sample(cdc, sample).pk == case.pk  # once
    services.do_classify(cdc, case, "confirmed")
    assert Case.objects.get(pk=case.pk).classification == "confirmed"


@pytest.mark.django_db
def test_contacts_become_tasks_and_measures_once(world: World) -> None:
    cdc = world.users["cdc"]
    built = build_case(world)
    ids = [k.pk for k in built.contacts]
    first = services.do_judge_contacts(cdc, built.case, ids, "close", "measure")
    assert (first.judged, first.measures, first.forwarded) == (4, 3, 1)
    again = services.do_judge_contacts(cdc, built.case, ids, "close", "measure")
    assert (again.judged, again.measures, again.forwarded, again.unchanged) == (0, 0, 0, 4)
    tasks = services.do_judge_contacts(cdc, built.case, ids, "close", "task")
    assert tasks.tasks == 3
    assert services.do_judge_contacts(cdc, built.case, ids, "close", "task").tasks == 0
    persons = [k.person_id for k in built.contacts]
    assert Measure.objects.filter(person_id__in=persons).count() == 3
    # One open task a person: 王建国's push-list task is linked, not doubled.
    assert VerificationTask.objects.filter(person_id__in=persons).count() == 3
    assert Contact.objects.filter(pk__in=ids, task__isnull=False).count() == 3
    measure = Measure.objects.get(person=world.a.persons[1])
    assert measure.category == "close_contact" and measure.start_date == EXPOSURE + dt.timedelta(days=1)
    assert measure.period_days == 7  # 7+3 in force on the last exposure (2022-07)
    task = VerificationTask.objects.get(person=world.a.persons[1], category="close_contact")
    assert task.deadline - task.created_at == dt.timedelta(hours=2)
    outside = Contact.objects.get(pk=built.contacts[2].pk)
    assert outside.state == "forwarded" and outside.forward_district == "玄武区"
    assert list(queries.forwarding_list(services.cases_for(cdc))) == [outside]


@pytest.mark.django_db
def test_positive_close_contact_upgrades_their_secondary_contacts(world: World) -> None:
    cdc = world.users["cdc"]
    built = build_case(world)
    close = built.contacts[0]  # 李秀英, family of the case
    services.do_judge_contacts(cdc, built.case, [close.pk], "close", "measure")
    [secondary] = services.do_add_contacts(
        cdc,
        built.case,
        [
            services.ContactSpec(
                name="孙小妹",
                phone="13900002222",
                address=IN_GRID_A1,
                relation="family",
                exposure_mode="meal",
                last_exposure=EXPOSURE + dt.timedelta(days=2),
                via_id=close.pk,
            )
        ],
    )
    services.do_judge_contacts(cdc, built.case, [secondary.pk], "secondary", "measure")
    old = Measure.objects.get(person_id=secondary.person_id)
    assert (old.category, old.type, old.period_days) == ("secondary_contact", "home_isolation", 7)

    second = services.do_open_case(
        cdc, close.person, services.CaseSpec(classification="confirmed", onset_date=ONSET)
    )
    assert (second.infected_by_id, second.root_id, second.generation) == (built.case.pk, built.case.pk, 2)
    secondary.refresh_from_db()
    old.refresh_from_db()
    assert secondary.category == "close" and secondary.case_id == second.pk
    assert old.state == "ended_early"
    new = Measure.objects.get(person_id=secondary.person_id, state="active")
    assert (new.category, new.type, new.period_days) == ("close_contact", "central_isolation", 7)
    assert new.start_date == EXPOSURE + dt.timedelta(days=2) and secondary.measure_id == new.pk
    assert Contact.objects.get(pk=close.pk).state == "case"
    nodes = queries.chain_nodes(built.case, services.cases_for(cdc))
    assert {n.generation for n in nodes} == {1, 2, 3}  # case → case → their close contact


@pytest.mark.django_db
def test_secondary_category_ends_with_its_rule(world: World) -> None:
    cdc = world.users["cdc"]
    assert services.category_in_force("secondary", dt.date(2022, 7, 1))
    assert not services.category_in_force("secondary", dt.date(2022, 11, 11))
    assert services.category_in_force("close", dt.date(2022, 11, 20))
    built = build_case(world)
    [late] = services.do_add_contacts(
        cdc,
        built.case,
        [services.ContactSpec(name="吴晚到", address=IN_GRID_A1, last_exposure=dt.date(2022, 11, 20))],
    )
    result = services.do_judge_contacts(cdc, built.case, [late.pk], "secondary", "measure")
    assert result.judged == 0 and result.measures == 0 and len(result.skipped) == 1
    late.refresh_from_db()
    assert late.category == "" and not Measure.objects.filter(person_id=late.person_id).exists()


@pytest.mark.django_db
def test_same_place_overlapping_time_is_co_presence(world: World) -> None:
    cdc = world.users["cdc"]
    built = build_case(world)

    def visit(name: str, start: int, end: int, day: dt.date = EXPOSURE, place: str = "人民 超市") -> Case:
        case = services.do_open_case(cdc, index_person(world, name), services.CaseSpec(onset_date=ONSET))
        services.do_add_entry(
            cdc,
            case,
            services.EntrySpec(date=day, start_time=dt.time(start), end_time=dt.time(end), place=place),
        )
        return case

    overlapping = visit("甲", 10, 12)
    visit("乙", 11, 13)  # starts when the case's visit (9–11) ends: no overlap
    visit("丙", 9, 10, day=EXPOSURE + dt.timedelta(days=1))
    visit("丁", 9, 10, place="别的超市")
    groups = queries.co_presence(built.case, services.cases_for(cdc))
    market = next(g for g in groups if g.entry.place == "人民超市")
    assert [o.case_id for o in market.others] == [overlapping.pk]
    assert built.contacts[1].pk in {k.pk for k in market.contacts}  # 赵新民 was met there
    assert queries.co_presence(built.case, Case.objects.none())[0].others == []


@pytest.mark.django_db
def test_report_figures_are_a_recount_of_case_rows(world: World) -> None:
    cdc = world.users["cdc"]
    build_case(world)  # confirmed
    services.do_open_case(
        cdc, world.b.persons[1], services.CaseSpec(source="abroad", classification="asymptomatic")
    )
    suspected = services.do_open_case(cdc, index_person(world, "钱疑似"), services.CaseSpec())
    services.do_open_case(cdc, index_person(world, "孙疑似"), services.CaseSpec())
    services.do_classify(cdc, suspected, "excluded")
    now = timezone.now()
    day = next(
        d
        for d in (timezone.localdate(), timezone.localdate() + dt.timedelta(days=1))
        if metrics.window(d)[0] < now <= metrics.window(d)[1]
    )
    totals = metrics.total(metrics.compute(day))
    start, end = metrics.window(day)
    recount = {"confirmed": 0, "suspected": 0, "asymptomatic": 0, "imported": 0}
    for case in Case.objects.all():
        for change in case.changes.filter(at__gt=start, at__lte=end):
            if change.to_classification in recount:
                recount[change.to_classification] += 1
            if change.to_classification in ("confirmed", "asymptomatic") and case.source == "abroad":
                recount["imported"] += 1
    assert recount == {"confirmed": 1, "suspected": 2, "asymptomatic": 1, "imported": 1}
    for name, value in recount.items():
        assert totals.get(f"cases_{name}", 0) == value, name
