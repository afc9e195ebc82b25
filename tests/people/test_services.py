from __future__ import annotations

import datetime as dt

import pytest

from hongyixing.core.crypto import unseal
from hongyixing.core.errors import DomainError, StaleEdit
from hongyixing.core.models import ChangeLog, DomainEvent, PiiAccess
from hongyixing.people import idnumbers
from hongyixing.people.counts import raw_counts
from hongyixing.people.models import Person, PersonPhone
from hongyixing.people.queries import search_persons, timeline
from hongyixing.people.services import (
    PersonSpec,
    create_person,
    do_bulk_create_persons,
    do_update_person,
    reveal,
)
from tests.personas import World


def _spec(world: World, number: str, **extra) -> PersonSpec:
    return PersonSpec(
        name=extra.pop("name", "赵小红"), document_number=number, household=world.a.household, **extra
    )


def test_id_and_phone_are_sealed_at_rest(world: World) -> None:
    person = world.a.persons[0]
    assert world.a.plain_ids[0] not in person.document_ciphertext
    assert unseal(person.document_ciphertext) == world.a.plain_ids[0]
    phone = person.phones.get()
    assert world.a.plain_phones[0] not in phone.ciphertext + phone.index + phone.masked
    assert person.birth_date == dt.date(1970, 1, 15) and person.sex == "M" and person.id_area_code == "320829"


def test_same_id_in_another_spelling_finds_the_existing_person(world: World) -> None:
    number = world.a.plain_ids[0]
    spaced = " ".join([number[:6], number[6:14], number[14:]]).replace("1", "１")
    before = Person.objects.count()
    person, created = create_person(None, _spec(world, spaced, name="王 建国"))
    assert not created and person.pk == world.a.persons[0].pk
    assert Person.objects.count() == before


def test_legacy_15_digit_number_is_the_same_person(world: World) -> None:
    number18 = idnumbers.make("320829", dt.date(1955, 3, 9), 31)
    first, _ = create_person(None, _spec(world, number18))
    legacy = number18[:6] + number18[8:17]
    again, created = create_person(None, _spec(world, legacy))
    assert not created and again.pk == first.pk


def test_invalid_id_is_refused_with_a_stable_code(world: World) -> None:
    good = idnumbers.make("320813", dt.date(2018, 5, 1), 2)
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    with pytest.raises(DomainError) as caught:
        create_person(None, _spec(world, bad))
    assert caught.value.code == "id.bad_check"
    assert not Person.objects.filter(name="赵小红").exists()


def test_create_writes_change_log_and_event_in_one_go(world: World) -> None:
    number = idnumbers.make("320813", dt.date(2019, 7, 7), 5)
    person, created = create_person(None, _spec(world, number, phones=["+86 139-0517-0000"]))
    assert created
    log = ChangeLog.objects.get(object_type="people.person", object_id=person.pk)
    assert log.action == "create" and log.person_id == person.pk
    assert log.changes["document_masked"] == [None, person.document_masked]
    assert number not in str(log.changes)
    phone_log = ChangeLog.objects.get(object_type="people.personphone", person_id=person.pk)
    assert "13905170000" not in str(phone_log.changes)
    assert DomainEvent.objects.filter(name="person.created", person_id=person.pk).count() == 1


def test_update_records_a_field_diff_and_refuses_stale_versions(world: World) -> None:
    person = world.a.persons[0]
    do_update_person(
        world.users["town_a"], person, person.version, current_address="临河社区幸福家园3栋502室"
    )
    log = ChangeLog.objects.filter(object_id=person.pk, action="update").get()
    assert log.user == world.users["town_a"]
    assert log.changes == {"current_address": ["", "临河社区幸福家园3栋502室"]}
    with pytest.raises(StaleEdit):
        do_update_person(world.users["town_a"], person, person.version - 1, current_address="x")
    person.refresh_from_db()
    assert person.current_address == "临河社区幸福家园3栋502室"


def test_reveal_is_logged_with_reason(world: World) -> None:
    person = world.a.persons[0]
    officer = world.users["town_a"]
    with pytest.raises(DomainError):
        reveal(officer, person, "phone", " ")
    assert reveal(officer, person, "phone", "电话核实行程") == [world.a.plain_phones[0]]
    access = PiiAccess.objects.get()
    assert (access.user, access.person_id, access.field, access.reason) == (
        officer,
        person.pk,
        "phone",
        "电话核实行程",
    )
    entries = timeline(person)
    assert [e.title for e in entries][0] == "人员：查看完整证件号码或电话（已记录）"
    assert {e.kind for e in entries} == {"change", "event"}


def test_bulk_path_writes_audit_rows_and_counters(world: World) -> None:
    specs = [
        _spec(
            world,
            idnumbers.make("320829", dt.date(1980, 1, 1) + dt.timedelta(days=i), 2 * i + 1),
            name=f"批量{i}",
            phones=[f"1390000{i:04d}"],
        )
        for i in range(30)
    ]
    persons = do_bulk_create_persons(None, specs)
    ids = [p.pk for p in persons]
    assert ChangeLog.objects.filter(object_type="people.person", object_id__in=ids).count() == 30
    first = ChangeLog.objects.get(object_type="people.person", object_id=ids[0])
    assert first.changes["name"] == [None, "批量0"] and first.person_id == ids[0]
    assert world.a.plain_ids[0] not in str(first.changes)
    assert ChangeLog.objects.filter(object_type="people.personphone", person_id__in=ids).count() == 30
    assert DomainEvent.objects.filter(name="person.created", person_id__in=ids).count() == 30
    counts = raw_counts()
    world.a.village.refresh_from_db()
    world.a.grid.refresh_from_db()
    assert world.a.village.person_count == counts.unit_persons[world.a.village.path] == 32
    assert world.a.grid.person_count == counts.grid_persons[world.a.grid.id] == 32
    with pytest.raises(DomainError):
        do_bulk_create_persons(None, specs[:2])  # already on file: all-or-nothing
    assert PersonPhone.objects.filter(person_id__in=ids).count() == 30


def test_search_by_id_phone_and_name_prefix(world: World) -> None:
    officer = world.users["district"]
    assert [p.pk for p in search_persons(officer, world.b.plain_ids[1]).persons] == [world.b.persons[1].pk]
    result = search_persons(officer, world.a.plain_phones[0][:3] + "-" + world.a.plain_phones[0][3:])
    assert result.kind == "phone" and [p.pk for p in result.persons] == [world.a.persons[0].pk]
    assert {p.name for p in search_persons(officer, "李秀").persons} == {"李秀英"}
    assert search_persons(world.users["town_a"], world.b.plain_ids[1]).persons == []
    page = search_persons(officer, "王", limit=1)
    assert len(page.persons) == 1 and page.next_after == page.persons[0].pk
    rest = search_persons(officer, "王", after=page.next_after, limit=1)
    assert rest.persons[0].pk != page.persons[0].pk


def test_bulk_path_change_log_is_what_the_one_by_one_snapshot_gives(world: World) -> None:
    """The lean bulk path builds its change-log rows from values: they must equal the snapshot of the
    stored objects, field for field, as ``audit.log_create`` would write them."""
    from hongyixing.core.audit import snapshot

    specs = [
        _spec(
            world,
            idnumbers.make("320829", dt.date(1990, 3, 1) + dt.timedelta(days=i), 2 * i + 1),
            name=f"快照{i}",
            phones=[f"1370000{i:04d}", f"0517-8000{i:04d}"],
        )
        for i in range(5)
    ]
    persons = do_bulk_create_persons(None, specs)
    assert [p.name for p in persons] == [f"快照{i}" for i in range(5)]
    for person in persons:
        log = ChangeLog.objects.get(object_type="people.person", object_id=person.pk)
        expected = {k: [None, v] for k, v in snapshot(person).items() if v is not None}
        assert log.changes == expected and log.object_repr == person.name
        assert log.person_id == person.pk and log.unit_path == person.unit_path
        phones = list(PersonPhone.objects.filter(person=person).order_by("id"))
        assert [p.is_primary for p in phones] == [True, False]
        for phone in phones:
            row = ChangeLog.objects.get(object_type="people.personphone", object_id=phone.pk)
            assert row.changes == {k: [None, v] for k, v in snapshot(phone).items() if v is not None}
            assert (row.object_repr, row.person_id, row.unit_path) == (
                phone.masked,
                person.pk,
                person.unit_path,
            )
        event = DomainEvent.objects.get(name="person.created", subject_id=person.pk)
        assert (event.subject_type, event.person_id, event.unit_path) == (
            "people.person",
            person.pk,
            person.unit_path,
        )
