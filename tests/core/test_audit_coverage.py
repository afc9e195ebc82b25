"""Every audited model's writes leave change-log rows: a world built through services (people,
verification, control measures, sites, transfers, alerts, tests, the command centre, a filed report)
is walked model by model — every row of a model that declares ``audit_fields`` has its creation in the
change log, and a representative update of each kind leaves an update row."""

from __future__ import annotations

from django.apps import apps

from hongyixing.core.models import ChangeLog
from tests.personas import World
from tests.test_authorization_matrix import _place_objects, economy_objects  # noqa: F401 (a fixture)

# Audited models this world does not create, and the test that shows their change log.
NOT_IN_THIS_WORLD: dict[str, str] = {}


def _more_writes(world: World, objects: dict) -> None:
    """The audited kinds the shared world leaves out: a feedback, a stay, an inbound arrival."""
    import datetime as dt
    import json

    from django.test import Client

    from hongyixing.control import services as control
    from hongyixing.control.models import Measure, Room
    from tests.personas import login

    office = world.users["district"]
    measure = Measure.objects.get(pk=objects["measure_id"])
    room = Room.objects.filter(site_id=objects["site_id"]).first()
    control.do_check_in(office, measure, room)
    from hongyixing.people.services import PersonSpec, create_person

    # A traveller of their own: the shared world's people are already under measures.
    traveller, _created = create_person(
        office, PersonSpec(name="周远航", household=world.a.household, relation="child")
    )
    control.do_register_inbound(
        office,
        traveller,
        control.InboundSpec(
            entry_port="上海浦东机场",
            entry_date=dt.date.today() - dt.timedelta(days=7),
            liaison=world.users["grid_a1"],
            local_measure="home_isolation",
            first_entry_until=dt.date.today() - dt.timedelta(days=2),
        ),
    )
    grid = login(Client(), world.users["grid_a1"])
    answer = grid.post(
        f"/api/verification/tasks/{world.a.task.id}/feedback",
        json.dumps({"client_id": "audit-1", "contact_method": "phone", "disposition": "ALREADY_KNOWN"}),
        content_type="application/json",
    )
    assert answer.status_code == 201, answer.content


# Reference rows that data migrations load (no actor, no request): their later edits go through
# services and are logged like any other.
SEEDED_BY_MIGRATIONS = {
    "rules.verificationrule",
    "rules.measurerule",
    "verification.pushsource",
    "enterprises.subsidyrule",
    "projects.indicator",
}
# Gaps known when this test was written (issue 10, finding 9: alerts and self-report links written
# with events only), fixed in a parallel change. Strict: once a gap is closed this test says so, and
# the entry must go.
KNOWN_GAPS: dict[str, str] = {}


def _economy_writes(world: World) -> None:
    """An inspection, a risky origin, a month's investment, an indicator's target and value."""
    import datetime as dt
    from decimal import Decimal

    from hongyixing.enterprises import services as enterprises
    from hongyixing.enterprises.models import Filing
    from hongyixing.enterprises.staff import do_mark_risky_origin
    from hongyixing.projects import services as projects
    from hongyixing.projects.models import Indicator, Project

    office = world.users["district"]
    filing = Filing.objects.filter(state="submitted").first()
    assert filing is not None
    enterprises.do_inspect(office, filing, enterprises.InspectionInput(passed=True), [])
    do_mark_risky_origin(office, "湖北", dt.date(2020, 1, 20), "重点地区")
    project = Project.objects.first()
    assert project is not None
    projects.do_record_investment(office, project, dt.date(2020, 3, 1), Decimal(100), Decimal(80))
    indicator = Indicator.objects.first()
    assert indicator is not None
    town = world.a.town.path
    projects.do_set_target(office, indicator, town, 2020, Decimal(1000))
    projects.do_record_value(office, indicator, town, dt.date(2020, 3, 1), Decimal(90))


def _audited_models() -> list[type]:
    return [m for m in apps.get_models() if getattr(m, "audit_fields", None)]


def test_every_audited_row_has_its_creation_in_the_change_log(
    world: World,
    economy_objects: dict,  # noqa: F811 (the fixture imported above)
) -> None:
    from hongyixing.areas import services as areas
    from tests.cases.builders import build_case

    _more_writes(world, _place_objects(world))
    # The cases and the economy write through their own builders (economy_objects: a filing with an
    # attachment, a claim reviewed and paid, a problem, a project with a milestone per place).
    build_case(world)
    areas.do_remember_mapping(world.users["town_a"], world.a.town.path, "residents", {"户主姓名": "name"})
    _economy_writes(world)
    missing: dict[str, int] = {}
    empty = []
    closed = []
    for model in _audited_models():
        label = model._meta.label_lower
        if label in SEEDED_BY_MIGRATIONS:
            continue
        ids = set(model._default_manager.values_list("pk", flat=True))
        if not ids:
            empty.append(label)
            continue
        logged = set(
            ChangeLog.objects.filter(object_type=label, action="create", object_id__in=ids).values_list(
                "object_id", flat=True
            )
        )
        if ids - logged and label not in KNOWN_GAPS:
            missing[label] = len(ids - logged)
        if not ids - logged and label in KNOWN_GAPS:
            closed.append(label)
    assert not missing, f"rows written without a change-log row: {missing}"
    assert not closed, f"these gaps are closed now: remove them from KNOWN_GAPS: {closed}"
    unexplained = sorted(set(empty) - set(NOT_IN_THIS_WORLD))
    assert not unexplained, f"audited models this world never writes (add a write or a reason): {unexplained}"


def test_representative_updates_leave_update_rows(world: World) -> None:
    from hongyixing.control import services as control

    objects = _place_objects(world)
    from hongyixing.control.models import Measure

    measure = Measure.objects.get(pk=objects["measure_id"])
    before = ChangeLog.objects.filter(action="update").count()
    control.do_extend(world.users["district"], measure, 3, "复核", measure.version)
    assert ChangeLog.objects.filter(
        action="update", object_type="control.measure", object_id=measure.pk
    ).exists()
    assert ChangeLog.objects.filter(action="update").count() > before
