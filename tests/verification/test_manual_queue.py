"""The manual queue as work: one click on a suggestion, a searchable picker, bulk placement, a light page."""

from __future__ import annotations

from hongyixing.verification import services
from hongyixing.verification.choices import RowStatus
from hongyixing.verification.models import PushRow, PushSource
from tests.personas import World


def _queued(world: World, count: int = 3):
    rows = [
        services.PlainRow(
            row_number=n + 2, values={"name": f"赵{n}", "address": "某某地方某路5号"}, raw=[f"赵{n}"]
        )
        for n in range(count)
    ]
    result = services.do_intake(
        world.users["district"],
        PushSource.objects.get(code="province-big-data"),
        rows,
        title="协查",
        category="general",
        headers=["姓名", "地址"],
    )
    return result.batch, list(PushRow.objects.filter(batch=result.batch).order_by("row_number"))


def test_page_is_light_and_offers_the_suggestion_first(world: World, client_for) -> None:
    batch, rows = _queued(world)
    PushRow.objects.filter(pk=rows[0].pk).update(
        suggestions=[
            {"unit_path": world.a.village.path, "label": "x", "score": 0.4, "grid_id": world.a.grid.pk}
        ]
    )
    page = client_for("district").get(f"/verification/batches/{batch.pk}/").content.decode()
    assert page.count("<datalist") == 1
    # One list of grids for the page, not a dropdown per row.
    assert page.count("<option") <= 2 + 5
    assert f'name="grid" value="{world.a.grid.pk}"' in page
    assert "高良涧街道 › " + world.a.grid.name in page  # town prefix in the labels


def test_one_click_picker_and_bulk_placement(world: World, client_for) -> None:
    batch, rows = _queued(world)
    client = client_for("district")
    client.post(f"/verification/batches/{batch.pk}/rows/{rows[0].pk}/route/", {"grid": world.a.grid.pk})
    client.post(
        f"/verification/batches/{batch.pk}/rows/{rows[1].pk}/route/",
        {"grid_pick": f"{world.b.grid.code} 岔河镇 › {world.b.grid.name}"},
    )
    for row in rows[:2]:
        row.refresh_from_db()
    assert rows[0].status == RowStatus.TASKED and rows[0].task.grid == world.a.grid
    assert rows[1].status == RowStatus.TASKED and rows[1].task.grid == world.b.grid
    batch2, more = _queued(world, 3)
    answer = client.post(
        f"/verification/batches/{batch2.pk}/rows/route/",
        {"ids": [r.pk for r in more[:2]], "grid_pick": world.a.grid.code},
    )
    assert answer.status_code == 302
    statuses = [PushRow.objects.get(pk=r.pk).status for r in more]
    assert statuses == [RowStatus.TASKED, RowStatus.TASKED, RowStatus.MANUAL]


def test_only_the_district_places_rows(world: World, client_for) -> None:
    batch, rows = _queued(world, 1)
    answer = client_for("town_a").post(
        f"/verification/batches/{batch.pk}/rows/route/", {"ids": [rows[0].pk], "grid": world.a.grid.pk}
    )
    assert answer.status_code in (403, 404)
    assert PushRow.objects.get(pk=rows[0].pk).status == RowStatus.MANUAL
