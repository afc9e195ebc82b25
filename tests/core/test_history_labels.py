"""A history names every field and record in words, also those left to Django's default names: a
relation takes its model's name, a model without a name of its own reads as "Other"."""

from __future__ import annotations

from django.utils import translation

from hongyixing.core import history


def test_a_relation_without_a_label_takes_its_models_name() -> None:
    with translation.override("zh-hans"):
        rows = history.field_changes("control.transferperson", {"person": [None, 7], "measure": [None, 3]})
        heading = history.change_heading("control.transferperson", "create")
    assert [r.label for r in rows] == ["人员", "管控措施"]
    assert "transfer person" not in heading.title and heading.title.endswith("：新建")


def test_an_event_name_reads_as_words_in_a_template() -> None:
    from django.template import Context, Template

    with translation.override("zh-hans"):
        shown = Template("{% load hyx %}{{ name|event_title }}").render(Context({"name": "task.dispatched"}))
    assert shown == "核查任务：派发到网格"
