"""The pages and API of control measures: the self-report link, household entry, the site board,
transfers, results import, the release notice, and scope on every write."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import uuid

import pytest
import xlsxwriter
from docx import Document

from hongyixing.control import services
from hongyixing.control.choices import AlertKind, MeasureType
from hongyixing.control.models import Alert, HealthCheck, Measure, Room, Sample, Stay, Transfer
from hongyixing.core.crypto import unseal
from tests.control.conftest import frozen, local
from tests.personas import World

pytestmark = pytest.mark.django_db


def _measure(world: World, place: str = "a", kind: str = MeasureType.HOME_ISOLATION, **spec) -> Measure:
    p = getattr(world, place)
    return services.do_open_measure(
        world.users["district"], p.persons[0], services.MeasureSpec(type=kind, **spec)
    )


def _token(measure: Measure) -> str:
    return unseal(measure.self_report.token_sealed)


def test_self_report_records_a_fever_and_the_team_sees_alert_and_transfer(
    world: World, client, client_for
) -> None:
    with frozen(local(2026, 11, 29, 8)):
        measure = _measure(world)
        url = f"/r/{_token(measure)}/"
        page = client.get(url)
        assert page.status_code == 200
        assert world.a.persons[0].name not in page.content.decode()  # only the masked name is shown
        client_id = str(uuid.uuid4())
        posted = client.post(url, {"client_id": client_id, "temperature": "38.5", "symptoms": ["cough"]})
        assert posted.status_code == 200
        client.post(url, {"client_id": client_id, "temperature": "38.5"})  # a double tap
    check = HealthCheck.objects.get(measure=measure)
    assert (check.source, check.abnormal, check.symptoms) == ("self", True, "cough")
    team_page = client_for("grid_a1").get("/control/today/")
    assert "38.5" in team_page.content.decode()
    alerts = client_for("grid_a1").get("/control/alerts/").content.decode()
    assert "38.5" in alerts
    transfer = Transfer.objects.get(reason="fever_clinic")
    assert client_for("grid_a1").get(f"/control/transfers/{transfer.pk}/").status_code == 200


def test_a_self_report_link_reaches_only_its_own_measure(world: World, client) -> None:
    with frozen(local(2026, 11, 29, 8)):
        mine = _measure(world, "a")
        other = _measure(world, "b")
        response = client.post(
            f"/r/{_token(mine)}/",
            {"client_id": str(uuid.uuid4()), "temperature": "36.5", "measure_id": other.pk},
        )
        assert response.status_code == 200
        assert client.get("/r/not-a-token/").status_code == 404
    assert HealthCheck.objects.get().measure_id == mine.pk
    assert world.b.persons[0].name[1:] not in response.content.decode()


def test_a_self_report_link_dies_with_the_measure_and_is_rate_limited(world: World, client) -> None:
    with frozen(local(2026, 11, 29, 8)):
        measure = _measure(world)
        url = f"/r/{_token(measure)}/"
        statuses = [
            client.post(url, {"client_id": str(uuid.uuid4()), "temperature": "36.4"}).status_code
            for _ in range(13)
        ]
        assert statuses[:12] == [200] * 12 and statuses[12] == 429
        services.do_end_early(world.users["district"], measure, "not a contact")
        assert client.get(url).status_code == 404


def test_household_entry_saves_once_per_form(world: World, client_for) -> None:
    client = client_for("grid_a1")
    with frozen(local(2026, 11, 29, 18)):
        first = _measure(world)
        second = services.do_open_measure(
            world.users["district"], world.a.persons[1], services.MeasureSpec(type=MeasureType.HOME_ISOLATION)
        )
        page = client.get("/control/today/").content.decode()
        batch = re.search(r'name="batch_id" value="([0-9a-f]+)"', page).group(1)
        form = {
            "batch_id": batch,
            "slot": "e",
            "measure": [first.pk, second.pk],
            f"t{first.pk}": "36.5",
            f"t{second.pk}": "36.8",
        }
        client.post("/control/today/checks/", form)
        client.post("/control/today/checks/", form)
    assert HealthCheck.objects.count() == 2
    assert set(HealthCheck.objects.values_list("slot", flat=True)) == {"e"}


def test_writes_out_of_scope_are_not_found(world: World, client_for) -> None:
    measure = _measure(world, "a")
    town_b = client_for("town_b")
    assert (
        town_b.post(
            f"/control/measures/{measure.pk}/action/", {"action": "notice", "signed_by": "x"}
        ).status_code
        == 404
    )
    sample = measure.samples.first()
    assert sample is not None
    assert town_b.post(f"/control/tests/{sample.pk}/", {"barcode": "B1"}).status_code == 404
    enterprise = client_for("enterprise")
    assert enterprise.get(f"/control/measures/{measure.pk}/").status_code == 404
    assert Measure.objects.get(pk=measure.pk).notice_signed_by == ""


def test_measure_page_actions(world: World, client_for) -> None:
    client = client_for("grid_a1")
    measure = _measure(world)
    page = client.get(f"/control/measures/{measure.pk}/").content.decode()
    assert "/r/" in page and "<svg" in page  # the self-report QR code
    client.post(
        f"/control/measures/{measure.pk}/action/",
        {"action": "suitability", "items": ["single_room", "own_toilet"]},
    )
    client.post(f"/control/measures/{measure.pk}/action/", {"action": "notice", "signed_by": "王建国"})
    measure.refresh_from_db()
    assert measure.suitable is False and measure.notice_signed_by == "王建国"
    client.post(
        f"/control/measures/{measure.pk}/action/",
        {"action": "convert", "type": "central_isolation", "reason": "无独立卫生间"},
    )
    assert Measure.objects.get(person=measure.person, state="active").type == "central_isolation"


def test_site_board_check_in_and_room_states(world: World, client_for) -> None:
    district = client_for("district")
    response = district.post(
        "/control/sites/",
        {
            "name": "洪泽湖宾馆",
            "kind": "hotel",
            "address": "东风路1号",
            "capacity": "3",
            "unit_path": "320813",
            "manager_name": "张经理",
            "rooms": "101,102，201",
        },
    )
    site_url = response["Location"]
    site_id = int(site_url.rstrip("/").split("/")[-1])
    assert Room.objects.filter(site_id=site_id).count() == 3
    measure = _measure(world, kind=MeasureType.CENTRAL_ISOLATION)
    room = Room.objects.get(site_id=site_id, number="101")
    district.post(f"{site_url}action/", {"action": "check_in", "measure": measure.pk, "room": room.pk})
    district.post(f"{site_url}action/", {"action": "check_in", "measure": measure.pk, "room": room.pk})
    assert Stay.objects.filter(room=room).count() == 1
    board = district.get(site_url).content.decode()
    assert "room-occupied" in board and measure.person.name in board
    assert Room.objects.get(pk=room.pk).status == "occupied"


def test_transfer_pages_walk_the_loop(world: World, client_for) -> None:
    district = client_for("district")
    measure = _measure(world, kind=MeasureType.CENTRAL_ISOLATION)
    created = district.post(
        "/control/transfers/new/",
        {"measure": [measure.pk], "reason": "to_site", "to_place": "洪泽湖宾馆", "plate": "苏H1"},
    )
    url = created["Location"]
    district.post(
        f"{url}action/",
        {"action": "pick_up", "signed_by": "李", "driver": "王", f"t{measure.person_id}": "36.6"},
    )
    district.post(f"{url}action/", {"action": "hand_over", "handed_by": "李", "received_by": "前台"})
    district.post(f"{url}action/", {"action": "close", "disinfected_by": "消杀员"})
    transfer = Transfer.objects.get()
    assert transfer.state == "closed" and transfer.carried.get().pickup_temperature is not None


def _results_xlsx(rows: list[list[str]]) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet()
    for r, row in enumerate([["姓名", "身份证号", "条码号", "检测结果"], *rows]):
        for c, value in enumerate(row):
            sheet.write_string(r, c, value)
    book.close()
    return buffer.getvalue()


def test_lab_results_import_is_all_or_nothing(world: World, client_for) -> None:
    measure = _measure(world)
    sample = measure.samples.order_by("due_date").first()
    assert sample is not None
    services.do_record_sampling(world.users["district"], sample, "TUBE-9", "护士")
    cdc = client_for("cdc")
    name, number = world.a.persons[0].name, world.a.plain_ids[0]
    bad = _results_xlsx([[name, number, "TUBE-9", "阴性"], [name, number, "TUBE-404", "阴性"]])
    cdc.post("/control/tests/", {"file": _upload("results.xlsx", bad)})
    assert Sample.objects.get(pk=sample.pk).status == "sampled"
    good = _results_xlsx([[name, number, "", "阴性"]])  # found by ID number
    cdc.post("/control/tests/", {"file": _upload("results.xlsx", good)})
    assert Sample.objects.get(pk=sample.pk).status == "negative"


def _upload(name: str, data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)


def test_release_notice_prints_with_its_number(world: World, client_for) -> None:
    district = world.users["district"]
    with frozen(local(2026, 11, 29, 8)):
        measure = services.do_open_measure(
            district,
            world.a.persons[0],
            services.MeasureSpec(type="health_monitoring", start=dt.date(2026, 11, 23)),
        )
        services.do_propose_release(world.users["grid_a1"], measure)
        services.do_confirm_release(world.users["town_a"], measure)
        response = client_for("town_a").get(f"/control/measures/{measure.pk}/release.docx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    text = "\n".join(p.text for p in Document(io.BytesIO(response.content)).paragraphs)
    assert "洪解〔2026〕1号" in text and "解除健康监测告知书" in text
    assert world.a.plain_ids[0] not in text
    assert client_for("town_b").get(f"/control/measures/{measure.pk}/release.docx").status_code == 404


def test_api_checks_are_idempotent_and_scoped(world: World, client_for) -> None:
    measure = _measure(world)
    other = _measure(world, "b")
    client = client_for("grid_a1")
    body = {"checks": [{"client_id": str(uuid.uuid4()), "measure_id": measure.pk, "temperature": 36.6}]}
    first = client.post("/api/control/checks", json.dumps(body), content_type="application/json")
    again = client.post("/api/control/checks", json.dumps(body), content_type="application/json")
    assert first.status_code == again.status_code == 200
    assert (first.json()["results"][0]["duplicate"], again.json()["results"][0]["duplicate"]) == (False, True)
    refused = client.post(
        "/api/control/checks",
        json.dumps(
            {"checks": [{"client_id": str(uuid.uuid4()), "measure_id": other.pk, "temperature": 36.6}]}
        ),
        content_type="application/json",
    )
    assert refused.status_code == 400 and refused.json()["code"] == "checks.invalid"
    today = client.get("/api/control/today").json()
    assert [row["measure"]["id"] for row in today] == [measure.pk]
    assert HealthCheck.objects.count() == 1
    assert not Alert.objects.filter(kind=AlertKind.ABNORMAL_CHECK).exists()


def test_return_addresses_stay_on_this_site(world: World, client_for) -> None:
    measure = _measure(world)
    sample = measure.samples.first()
    assert sample is not None
    response = client_for("district").post(
        f"/control/tests/{sample.pk}/", {"barcode": "T-1", "next": "//evil.example/x"}
    )
    assert response["Location"] == "/control/tests/"
    response = client_for("district").post(
        f"/control/tests/{sample.pk}/", {"action": "result", "result": "negative", "next": "/\\evil.example"}
    )
    assert response["Location"] == "/control/tests/"


def test_site_staff_check_in_the_people_brought_to_their_site(world: World, client_for) -> None:
    from hongyixing.accounts import services as accounts

    manager = accounts.do_create_user(None, "site_mgr", password="Persona-pass-2020")
    accounts.do_grant(None, manager, "site_manager", unit=world.a.town)
    site = services.do_create_site(
        world.users["district"],
        services.SiteSpec(
            name="湖滨宾馆",
            kind="hotel",
            address="x",
            capacity=2,
            manager_name="张",
            unit_path="320813",
            manager=manager,
            rooms=["101"],
        ),
    )
    measure = _measure(world, kind=MeasureType.CENTRAL_ISOLATION)
    services.do_create_transfer(
        world.users["district"],
        services.TransferSpec(
            reason="to_site", from_place="家", to_place="", to_site=site, scheduled_at=measure.opened_at
        ),
        [measure],
    )
    from django.test import Client

    from tests.personas import login

    staff = login(Client(), manager)
    board = staff.get(f"/control/sites/{site.pk}/").content.decode()
    assert measure.person.name in board
    room = Room.objects.get(site=site)
    staff.post(
        f"/control/sites/{site.pk}/action/", {"action": "check_in", "measure": measure.pk, "room": room.pk}
    )
    assert Stay.objects.filter(measure=measure, room=room).exists()
    assert (
        staff.post(
            f"/control/sites/{site.pk}/action/", {"action": "checks", "batch_id": "tampered"}
        ).status_code
        == 302
    )
