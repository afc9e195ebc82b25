"""The 居家隔离告知书: a Word notice from the measure page when a home measure opens, ID masked."""

from __future__ import annotations

import io
from urllib.parse import quote

import pytest
from docx import Document

from hongyixing.control import services as control
from tests.personas import World

pytestmark = pytest.mark.django_db


def test_a_home_isolation_has_its_notice_with_a_masked_id(world: World, client_for) -> None:
    person = world.a.persons[0]
    measure = control.do_open_measure(
        world.users["district"], person, control.MeasureSpec(type="home_isolation")
    )
    office = client_for("town_a")
    page = office.get(f"/control/measures/{measure.pk}/").content.decode()
    assert f"/control/measures/{measure.pk}/notice.docx" in page and "居家隔离告知书（Word" in page
    response = office.get(f"/control/measures/{measure.pk}/notice.docx")
    assert response.status_code == 200
    assert quote("居家隔离告知书") in response["Content-Disposition"]
    text = "\n".join(p.text for p in Document(io.BytesIO(response.content)).paragraphs)
    assert "居家隔离告知书" in text and person.name in text and "被告知人签字" in text
    assert person.document_masked in text and world.a.plain_ids[0] not in text
    assert client_for("town_b").get(f"/control/measures/{measure.pk}/notice.docx").status_code == 404


def test_a_centralised_quarantine_has_no_home_notice(world: World, client_for) -> None:
    measure = control.do_open_measure(
        world.users["district"], world.a.persons[1], control.MeasureSpec(type="central_isolation")
    )
    office = client_for("district")
    assert "notice.docx" not in office.get(f"/control/measures/{measure.pk}/").content.decode()
    assert office.get(f"/control/measures/{measure.pk}/notice.docx").status_code == 404
