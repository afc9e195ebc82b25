"""Row handling of a push list: arrival dates, duplicates of a queued row, manual placement."""

from __future__ import annotations

import datetime as dt

from hongyixing.verification import services
from hongyixing.verification.choices import RowStatus
from hongyixing.verification.models import PushRow, PushSource
from tests.personas import World

T0 = dt.datetime(2022, 3, 10, 8, 0, tzinfo=dt.UTC)


def _intake(world: World, *values: dict[str, str]):
    rows = [services.PlainRow(row_number=n + 2, values=v, raw=list(v.values())) for n, v in enumerate(values)]
    return services.do_intake(
        world.users["district"],
        PushSource.objects.get(code="province-big-data"),
        rows,
        title="协查",
        category="arrival",
        headers=list(values[0]),
        received_at=T0,
    )


def _rows(result) -> dict[int, PushRow]:
    return {r.row_number: r for r in PushRow.objects.filter(batch=result.batch)}


def test_arrival_dates_are_read_and_stored_on_row_and_task(world: World) -> None:
    a, b = world.a, world.b
    result = _intake(
        world,
        {"name": a.persons[0].name, "id_number": a.plain_ids[0], "arrival_time": "2022.3.5"},
        {"name": a.persons[1].name, "id_number": a.plain_ids[1], "arrival_time": "44625"},
        {"name": b.persons[0].name, "id_number": b.plain_ids[0], "arrival_time": "3月5日"},
        {"name": b.persons[1].name, "id_number": b.plain_ids[1], "arrival_time": "上周"},
    )
    rows = _rows(result)
    for number in (2, 3, 4):
        assert rows[number].arrival_date == dt.date(2022, 3, 5), number
        assert rows[number].task.arrival_date == dt.date(2022, 3, 5)
    assert rows[5].arrival_date is None and any("上周" in w for w in rows[5].warnings)


def test_a_duplicate_of_a_queued_row_follows_it_and_gets_its_task(world: World) -> None:
    row = {"name": "赵大海", "id_number": "", "phone": "", "address": "某某地方某路5号"}
    result = _intake(world, row, dict(row))
    rows = _rows(result)
    assert rows[2].status == RowStatus.MANUAL
    assert rows[3].status == RowStatus.MERGED and rows[3].same_as_row == 2
    task, created = services.do_route_manually(world.users["district"], rows[2], world.a.grid)
    assert created
    rows[3].refresh_from_db()
    assert rows[3].task == task
    assert result.batch.tasks.count() == 1


def test_manual_placement_merges_into_an_open_task_of_the_same_person(world: World) -> None:
    person = world.a.persons[0]
    first = _intake(world, {"name": person.name, "id_number": world.a.plain_ids[0]})
    open_task = first.batch.tasks.get()
    queued = _intake(world, {"name": "赵大海", "id_number": "", "address": "某某地方某路5号"})
    row = PushRow.objects.get(batch=queued.batch)
    # A person identified later (a desk linking the row by hand) who already has a task.
    PushRow.objects.filter(pk=row.pk).update(person=person)
    row.refresh_from_db()
    task, created = services.do_route_manually(world.users["district"], row, world.a.grid)
    assert not created and task == open_task
    row.refresh_from_db()
    assert row.status == RowStatus.MERGED and row.task == open_task


def test_a_formula_cell_is_kept_and_the_user_told(world: World) -> None:
    row = services.PlainRow(
        row_number=2, values={"name": "赵大海", "address": "=C2&D2"}, raw=["赵大海", "=C2&D2"]
    )
    row.formula_fields = {"address"}  # type: ignore[attr-defined]
    result = services.do_intake(
        world.users["district"],
        PushSource.objects.get(code="province-big-data"),
        [row],
        title="协查",
        category="general",
        headers=["姓名", "现住址"],
        received_at=T0,
    )
    stored = PushRow.objects.get(batch=result.batch)
    assert stored.address == "=C2&D2"
    assert any("=C2&D2" in w for w in stored.warnings)
