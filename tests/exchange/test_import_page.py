"""The import page: upload, map an unknown header (remembered per town), preview, confirm."""

from __future__ import annotations

import io

import pytest
import python_calamine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from hongyixing.areas.models import AdminUnit, HeaderMapping
from tests.personas import World, login

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _staging_folder(settings, tmp_path) -> None:
    settings.VAR_DIR = tmp_path


def _upload(client: Client, rows: list[list[str]], name: str = "units.csv") -> str:
    data = "\n".join(",".join(row) for row in rows).encode("gbk")
    response = client.post("/imports/", {"kind": "units", "file": SimpleUploadedFile(name, data)})
    assert response.status_code == 302
    return str(response["Location"])


def test_upload_map_preview_confirm(world: World) -> None:
    client = login(Client(), world.users["town_a"])
    rows = [
        ["所属镇（街道）", "居委名称", "小区", "楼栋", "楼长电话"],
        ["高良涧街道", "临河社区", "页面小区", "1栋", "13800000000"],
    ]
    preview = _upload(client, rows)
    page = client.get(preview)
    assert page.status_code == 200 and "楼长电话" in page.content.decode()
    # "居委名称" is not a known header here: map it, ignore the phone column.
    unknown = dict(page.context["unknown"])
    choices = {f"map-{i}": ("village" if h == "居委名称" else "") for i, h in unknown.items()}
    assert client.post(preview, choices).status_code == 302
    assert HeaderMapping.objects.filter(
        unit_path=world.a.town.path, header="居委名称", field="village"
    ).exists()
    page = client.get(preview)
    assert page.context["report"].counts["new"] == 1
    assert not AdminUnit.objects.filter(name="页面小区").exists()  # the preview writes nothing
    report = client.get(preview + "report.xlsx")
    assert report["Content-Type"].startswith("application/vnd.openxmlformats")
    done = client.post(preview + "confirm/")
    assert done.status_code == 200 and done.context["report"].applied
    assert AdminUnit.objects.filter(name="页面小区", parent=world.a.village).exists()
    # The next file with the same header goes straight to the preview.
    again = client.get(_upload(client, [rows[0], ["高良涧街道", "临河社区", "页面小区二", "", ""]]))
    assert again.context["report"].counts["new"] == 1
    # Another session (another town) cannot open this upload.
    assert login(Client(), world.users["town_b"]).get(preview).status_code == 404


def test_errors_block_the_import_and_templates_download(world: World) -> None:
    client = login(Client(), world.users["district"])
    preview = _upload(client, [["所属镇（街道）", "所属村（居）委会", "小区"], ["高良涧街道", "无此村", "x"]])
    page = client.get(preview)
    assert page.context["report"].has_errors and "无此村" in page.content.decode()
    assert not client.post(preview + "confirm/").context["report"].applied
    template = client.get("/imports/template/residents.xlsx")
    workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(template.content))
    headers = workbook.get_sheet_by_index(0).to_python()[0]
    assert "公民身份号码" in headers and "户号" in headers
