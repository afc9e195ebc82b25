"""The flow of the issue through the pages: file, inspect on a phone, approve, upload staff, claim,
a duplicate refused, approve, pay, and the dashboard's economic half."""

from __future__ import annotations

import io
from typing import Any

import pytest

from hongyixing.enterprises.choices import CHECKLIST_KEYS
from hongyixing.enterprises.models import Claim, Employee, Filing
from hongyixing.exchange.tabular import write_xlsx
from tests.enterprises.builders import Economy, mark_risky, staff_number
from tests.personas import World

pytestmark = pytest.mark.django_db


def _xlsx(rows: list[list[str]]) -> io.BytesIO:
    buffer = io.BytesIO()
    write_xlsx(buffer, ["姓名", "身份证号", "手机号", "来源地", "距离(公里)"], rows, sheet_name="员工")
    buffer.seek(0)
    buffer.name = "返岗员工.xlsx"
    return buffer


def test_the_whole_flow_through_the_pages(world: World, economy: Economy, client_for: Any) -> None:
    enterprise = economy.enterprises["a"]
    contact, town = client_for("enterprise"), client_for("town_a")
    home = contact.get("/").content.decode()
    assert "/enterprises/" in home and "您没有任何区域或人员的管辖权限" not in home
    form = {f"item_{key}": "1" for key in CHECKLIST_KEYS} | {"staff_planned": "200", "submit": "1"}
    assert contact.post(f"/enterprises/{enterprise.pk}/filing/", form).status_code == 302
    filing = Filing.objects.get(enterprise=enterprise)
    assert filing.state == "submitted"
    photo = io.BytesIO(b"\xff\xd8\xff photo")
    photo.name = "现场.jpg"
    inspect = town.post(
        f"/enterprises/filings/{filing.pk}/inspect/", {"passed": "1", "findings": "符合", "photos": photo}
    )
    assert inspect.status_code == 302
    town.post(
        f"/enterprises/filings/{filing.pk}/act/", {"action": "approve", "resumption_date": "2020-02-20"}
    )
    filing.refresh_from_db()
    assert filing.state == "approved"

    mark_risky("湖北")
    rows = [[f"员工{i}", staff_number(1000 + i), f"1370000{i:04d}", "安徽省", "300"] for i in range(198)]
    rows += [[world.a.persons[1].name, world.a.plain_ids[1], "", "湖北省武汉市", "900"]]
    rows += [[world.b.persons[1].name, world.b.plain_ids[1], "", "湖北省孝感市", "900"]]
    upload = contact.post(f"/enterprises/{enterprise.pk}/staff/", {"file": _xlsx(rows)}, follow=True)
    page = upload.content.decode()
    assert Employee.objects.filter(enterprise=enterprise).count() == 203
    assert world.a.plain_ids[1] not in page and world.b.plain_ids[1] not in page
    assert Employee.objects.filter(enterprise=enterprise, risky=True, task__isnull=False).count() == 2

    ids = [
        str(pk)
        for pk in Employee.objects.filter(enterprise=enterprise, distance_km=300).values_list(
            "pk", flat=True
        )[:50]
    ]
    made = contact.post(f"/enterprises/{enterprise.pk}/claims/new/", {"kind": "transport", "employees": ids})
    assert made.status_code == 302
    again = contact.post(
        f"/enterprises/{enterprise.pk}/claims/new/", {"kind": "transport", "employees": ids[:1]}, follow=True
    )
    assert Claim.objects.count() == 1
    text = again.content.decode()
    assert "已" in text or "already claimed" in text
    claim = Claim.objects.get()
    town.post(f"/enterprises/claims/{claim.pk}/review/", {"decision": "approve"})
    office = client_for("district")
    for _step in range(2):
        office.post(f"/enterprises/claims/{claim.pk}/review/", {"decision": "approve"})
    office.post("/enterprises/payments/", {"claims": [str(claim.pk)]})
    claim.refresh_from_db()
    assert claim.state == "in_batch"
    export = office.get(f"/enterprises/payments/{claim.payment_batch_id}/export.xlsx")
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxml")

    dashboard = office.get("/dashboard/").content.decode()
    assert "/enterprises/?resumed=1" in dashboard and "1/2" in dashboard
