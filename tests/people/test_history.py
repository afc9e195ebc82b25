"""A person's history (全流程记录) reads as a Chinese account of the work, not as the audit tables."""

from __future__ import annotations

import re

import pytest

from hongyixing.control.choices import MeasureType
from hongyixing.control.models import Measure
from hongyixing.core import history
from hongyixing.verification import services as verification_services
from tests.personas import World

pytestmark = pytest.mark.django_db


def _history_html(page: str) -> str:
    return page[page.index('class="history"') :]


def test_the_timeline_reads_as_plain_chinese_in_local_time(world: World, client_for) -> None:
    person = world.a.persons[0]
    task = world.a.task
    verification_services.submit_feedback(
        world.users["grid_a1"],
        task,
        verification_services.FeedbackInput(
            client_id="h-1", contact_method="visit", disposition="HOME_ISOLATION", temperature="36.6"
        ),
    )
    # The disposition opened a home-isolation measure (control listens to verification's signal).
    assert Measure.objects.filter(person=person, type=MeasureType.HOME_ISOLATION).exists()
    page = client_for("district").get(f"/people/{person.pk}/").content.decode()
    text = _history_html(page)
    assert "核查任务" in text and "管控措施" in text and "人员信息" in text
    # No event codes, English field names, Python's None or characters joined one by one.
    for raw in ("task.dispatched", "measure.opened", "None", "sex:", "birth_date", "home_isolation", " → "):
        assert raw not in text, raw
    assert not re.search(r"\d{4}-\d{2}-\d{2}T\d{2}:", text), "an ISO/UTC timestamp reached the page"
    assert "<details>" in text  # the field-level detail is one click away


def test_every_event_name_the_code_emits_reads_as_words() -> None:
    from tests.core.test_history_names import emitted_event_names

    for name in emitted_event_names():
        heading = history.event_heading(name)
        assert "." not in heading.title and "_" not in heading.title, (name, heading.title)
        assert not heading.group.startswith(str(history.OTHER)), f"{name}: no app says what it is"


def test_a_birth_date_change_says_it_changed_without_the_dates() -> None:
    rows = history.field_changes("people.person", {"birth_date": ["1960-01-15", "1961-01-15"]})
    assert rows[0].before == rows[0].after == "（不显示）"
