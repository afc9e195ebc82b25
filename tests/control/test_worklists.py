"""The control lists as work lists: measures, alerts, tests and transfers filter, sort, page with
totals, export masked (and logged), never show another town's rows, and ignore a value not offered."""

from __future__ import annotations

import datetime as dt
import io
import uuid
from typing import Any

import pytest
import python_calamine
from django.utils import timezone

from hongyixing.control import services, worklists
from hongyixing.control.choices import AlertState, CheckSource, MeasureCategory, MeasureType
from hongyixing.control.models import Alert, HealthCheck, Measure
from hongyixing.core.models import ChangeLog, PiiAccess
from hongyixing.people import idnumbers
from hongyixing.people.services import PersonSpec, create_person
from tests.personas import DISTRICT, World

SURNAMES = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔"


def _person(place: Any, n: int, seed: int) -> Any:
    number = idnumbers.make("320829", dt.date(1970 + n % 30, 1 + n % 12, 1 + n % 27), 100 + n * 2 + seed)
    person, _created = create_person(
        None,
        PersonSpec(
            name=f"{SURNAMES[n % len(SURNAMES)]}{'明华'[n % 2]}{n:02d}",
            document_number=number,
            phones=[f"1397{seed:02d}{n:05d}"],
            household=place.household,
            relation="other",
        ),
    )
    return person


@pytest.fixture
def measures(world: World) -> list[Measure]:
    """23 home isolations in town A (4 of them contacts), one in town B."""
    office = world.users["district"]
    opened = []
    for n in range(23):
        category = MeasureCategory.CLOSE_CONTACT if n < 4 else MeasureCategory.GENERAL
        opened.append(
            services.do_open_measure(
                office,
                _person(world.a, n, 1),
                services.MeasureSpec(type=MeasureType.HOME_ISOLATION, category=category),
            )
        )
    services.do_open_measure(
        office, world.b.persons[0], services.MeasureSpec(type=MeasureType.HOME_ISOLATION)
    )
    return opened


def _sheet(response: Any) -> list[list[Any]]:
    assert response.status_code == 200
    book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(response.content))
    return book.get_sheet_by_index(0).to_python()


def _check(world: World, measure: Measure, temperature: str) -> None:
    services.do_record_checks(
        world.users["district"],
        [services.CheckInput(client_id=str(uuid.uuid4()), measure_id=measure.pk, temperature=temperature)],
        CheckSource.TEAM,
    )


def test_measures_page_with_totals_and_stay_in_scope(world: World, measures, client_for) -> None:
    client = client_for("town_a")
    first = client.get("/control/?size=20").content.decode()
    assert "第 1–20 条，共 23 条" in first
    second = client.get("/control/?size=20&page=2")
    assert "第 21–23 条，共 23 条" in second.content.decode()
    assert {m.person_id for m in second.context["list"].rows} <= {m.person_id for m in measures}
    assert world.b.persons[0].name not in first
    district = client_for("district").get("/control/?state=active").context["list"]
    assert district.total == 24


def test_measure_filters_sort_and_values_not_offered(world: World, measures, client_for) -> None:
    client = client_for("town_a")
    contacts = client.get("/control/?category=close_contact").context["list"]
    assert contacts.total == 4 and {m.category for m in contacts.rows} == {"close_contact"}
    assert client.get("/control/?type=central_isolation").context["list"].total == 0
    assert client.get(f"/control/?village={world.a.village.path}").context["list"].total == 23
    assert client.get(f"/control/?town={world.b.town.path}").context["list"].total == 23  # not offered
    assert client.get("/control/?state=nonsense&type=nonsense&sort=nonsense").status_code == 200
    assert client.get("/control/?state=released").context["list"].total == 0
    _check(world, measures[0], "36.5")
    missing = client.get("/control/?missing=1").context["list"]
    assert missing.total == 22 and measures[0].pk not in {m.pk for m in missing.rows}
    names = [m.person.name for m in client.get("/control/?sort=name&size=100").context["list"].rows]
    assert names == sorted(names)


def test_no_check_today_is_counted_up_to_its_cap(world: World, measures, client_for, monkeypatch) -> None:
    """The anti-join behind "no check today" is counted only up to the filter's cap; the plain list
    keeps its exact total."""
    monkeypatch.setattr(worklists, "MISSING_COUNT_CAP", 10)
    client = client_for("town_a")
    page = client.get("/control/?missing=1&size=20")
    missing = page.context["list"]
    assert missing.capped and missing.total == 10 and len(missing.rows) == 20
    html = page.content.decode()
    assert "第 1–20 条，超过 10 条" in html and '<span class="level">10+</span>' in html
    exact = client.get("/control/?size=20").context["list"]
    assert not exact.capped and exact.total == 23


def test_no_check_today_equals_a_plain_recount(world: World, measures, client_for, monkeypatch) -> None:
    """ "No check today": the count (probed per measure) and the listed rows (the anti-join, in the
    list's order, page by page) are exactly the running measures in scope without a check today —
    checked ones, yesterday's check, ended measures and other towns' measures left out — and the
    cap says "more than" only above it."""
    office = world.users["district"]
    other_b = services.do_open_measure(
        office, world.b.persons[1], services.MeasureSpec(type=MeasureType.HOME_ISOLATION)
    )
    for measure in (measures[0], measures[5], measures[5], measures[11], measures[7]):
        _check(world, measure, "36.6")
    services.do_record_checks(  # an evening check alone counts as checked too
        office,
        [
            services.CheckInput(
                client_id=str(uuid.uuid4()), measure_id=measures[3].pk, temperature="36.4", slot="e"
            )
        ],
        CheckSource.TEAM,
    )
    # measures[7]'s only check was yesterday's; measures[11] ended after its check, measures[9] unchecked.
    HealthCheck.objects.filter(measure=measures[7]).update(day=timezone.localdate() - dt.timedelta(days=1))
    services.do_end_early(office, measures[9], "转为其他措施")
    services.do_end_early(office, measures[11], "转为其他措施")
    _check(world, Measure.objects.get(person=world.b.persons[0], state="active"), "36.6")

    def expected(prefix: str) -> list[int]:
        today = timezone.localdate()
        checked = set(HealthCheck.objects.filter(day=today).values_list("measure_id", flat=True))
        rows = [
            m
            for m in Measure.objects.all()
            if m.unit_path.startswith(prefix)
            and m.state == "active"
            and m.start_date <= today <= m.end_date
            and m.pk not in checked
        ]
        return [m.pk for m in sorted(rows, key=lambda m: (m.end_date, m.pk))]

    def listed(persona: str) -> tuple[Any, list[int]]:
        client = client_for(persona)
        first = client.get("/control/?missing=1&size=20").context["list"]
        pks = [m.pk for m in first.rows]
        for page in range(2, first.pages + 1):
            pks += [m.pk for m in client.get(f"/control/?missing=1&size=20&page={page}").context["list"].rows]
        return first, pks

    want_a, want_all = expected(world.a.town.path), expected(DISTRICT)
    assert len(want_a) == 23 - 5 and measures[7].pk in want_a and measures[9].pk not in want_a
    assert want_all == sorted(want_a + [other_b.pk], key=lambda pk: (Measure.objects.get(pk=pk).end_date, pk))
    for persona, want in (("town_a", want_a), ("district", want_all), ("town_b", [other_b.pk])):
        first, pks = listed(persona)
        assert (first.total, first.capped, pks) == (len(want), False, want), persona
    # At the cap exactly: still exact; one below it: "more than", the rows unchanged.
    monkeypatch.setattr(worklists, "MISSING_COUNT_CAP", len(want_a))
    first, pks = listed("town_a")
    assert (first.total, first.capped, pks) == (len(want_a), False, want_a)
    monkeypatch.setattr(worklists, "MISSING_COUNT_CAP", len(want_a) - 1)
    first = client_for("town_a").get("/control/?missing=1&size=20").context["list"]
    assert (first.total, first.capped) == (len(want_a) - 1, True)
    assert [m.pk for m in first.rows] == want_a[:20]


def test_measure_export_is_masked_and_logged(world: World, measures, client_for) -> None:
    rows = _sheet(client_for("town_a").get("/control/?export=xlsx&category=close_contact"))
    assert len(rows) == 5
    person = measures[0].person
    ids = [row[1] for row in rows[1:]]
    assert person.document_masked in ids and all("*" in value for value in ids)
    access = PiiAccess.objects.get(kind="export", field="control-measures")
    assert access.user == world.users["town_a"] and access.detail["rows"] == 4
    assert access.detail["filters"] == {"state": "active", "category": "close_contact"}
    assert client_for("grid_a1").get("/control/?export=xlsx").status_code == 403


def test_alerts_filter_and_bulk_handle_in_scope_only(world: World, measures, client_for) -> None:
    for measure in measures[:3]:
        _check(world, measure, "38.6")
    services.do_open_measure(
        world.users["district"], world.b.persons[1], services.MeasureSpec(type=MeasureType.HOME_ISOLATION)
    )
    other = Measure.objects.get(person=world.b.persons[1])
    _check(world, other, "38.9")
    client = client_for("town_a")
    listing = client.get("/control/alerts/?kind=abnormal_check").context["list"]
    assert listing.total == 3 and {a.measure_id for a in listing.rows} == {m.pk for m in measures[:3]}
    assert client.get("/control/alerts/?kind=nonsense").status_code == 200
    assert client.get(f"/control/alerts/?town={world.a.town.path}").context["list"].total == 3
    newest = client.get("/control/alerts/?sort=newest&kind=abnormal_check").context["list"].rows
    assert [a.created_at for a in newest] == sorted((a.created_at for a in newest), reverse=True)

    theirs = Alert.objects.get(measure=other, kind="abnormal_check")
    mine = [a.pk for a in listing.rows]
    answer = client.post(
        "/control/alerts/",
        {"action": "closed", "ids": [*mine[:2], theirs.pk], "back": "?kind=abnormal_check"},
    )
    assert answer.status_code == 302 and answer["Location"].endswith("?kind=abnormal_check")
    assert Alert.objects.filter(pk__in=mine[:2], state=AlertState.CLOSED).count() == 2
    assert Alert.objects.get(pk=theirs.pk).state == AlertState.OPEN
    assert ChangeLog.objects.filter(object_type="control.alert", object_id=str(mine[0])).exists()
    assert client.get("/control/alerts/?kind=abnormal_check").context["list"].total == 1
    assert client.post("/control/alerts/", {"action": "delete", "ids": mine}).status_code == 302
    assert Alert.objects.get(pk=mine[2]).state == AlertState.OPEN

    rows = _sheet(client.get("/control/alerts/?export=xlsx&state=closed"))
    assert len(rows) == 3
    assert PiiAccess.objects.get(kind="export", field="control-alerts").detail["rows"] == 2


def test_tests_list_filters_pages_and_exports(world: World, measures, client_for) -> None:
    client = client_for("town_a")
    listing = client.get("/control/tests/").context["list"]
    assert listing.total > 0 and all(s.person.household_id == world.a.household.pk for s in listing.rows)
    today = timezone.localdate()
    due_today = client.get("/control/tests/?due=today").context["list"]
    assert all(s.due_date == today and s.status == "scheduled" for s in due_today.rows)
    day = client.get(f"/control/tests/?day={today.isoformat()}").context["list"]
    assert day.total == due_today.total
    assert client.get("/control/tests/?day=1999-01-01").context["list"].total == listing.total  # not offered
    assert client.get("/control/tests/?status=negative").context["list"].total == 0
    dates = [s.due_date for s in client.get("/control/tests/?sort=latest&size=200").context["list"].rows]
    assert dates == sorted(dates, reverse=True)
    rows = _sheet(client.get("/control/tests/?export=xlsx"))
    assert len(rows) == listing.total + 1 and all("*" in row[1] for row in rows[1:])
    assert PiiAccess.objects.filter(kind="export", field="control-tests").exists()
    assert client_for("district").get("/control/tests/").context["list"].total > listing.total


def test_transfers_list_open_loop_and_export(world: World, measures, client_for) -> None:
    for measure in measures[:2]:
        _check(world, measure, "38.6")  # an abnormal check orders a fever-clinic transfer
    client = client_for("town_a")
    listing = client.get("/control/transfers/").context["list"]
    assert listing.total == 2 and all(t.persons == 1 for t in listing.rows)
    assert client.get("/control/transfers/?kind=to_site").context["list"].total == 0
    assert client.get("/control/transfers/?state=closed").context["list"].total == 0
    assert client.get("/control/transfers/?loop=1").context["list"].total == 0
    assert client.get("/control/transfers/?state=bogus&kind=bogus").context["list"].total == 2
    assert client_for("town_b").get("/control/transfers/").context["list"].total == 0
    rows = _sheet(client.get("/control/transfers/?export=xlsx"))
    assert len(rows) == 3 and str(rows[1][4]) == "1"
    assert PiiAccess.objects.filter(kind="export", field="control-transfers").exists()


def test_list_cost_does_not_grow_with_the_rows(world: World, measures, client_for) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for("district")
    for measure in measures[:3]:
        _check(world, measure, "38.6")

    def cost(url: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    for path in ("/control/", "/control/alerts/", "/control/tests/", "/control/transfers/"):
        assert cost(path + "?size=20&state=") == cost(path + "?size=200&state="), path
