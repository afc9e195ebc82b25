"""The zh_Hans catalogue is complete: no empty or fuzzy msgstr, and every msgid the code uses is in it."""

from __future__ import annotations

from pathlib import Path

from scripts.untranslated import problems, read_catalogue


def test_the_catalogue_translates_every_msgid_the_code_uses() -> None:
    assert problems() == []


def test_the_check_fails_on_an_empty_a_fuzzy_or_a_missing_translation(tmp_path: Path) -> None:
    po = tmp_path / "django.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Language: zh_Hans\\n"\n\n'
        '#: a.py:1\nmsgid "Done"\nmsgstr "完成"\n\n'
        '#: a.py:2\nmsgid "Left empty"\nmsgstr ""\n\n'
        '#, fuzzy\n#| msgid "Guess"\nmsgid "Guessed"\nmsgstr "猜的"\n\n'
        'msgid ""\n"Two "\n"lines"\nmsgstr ""\n"两行"\n',
        encoding="utf-8",
    )
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "a.py").write_text('_("Done")\n_("Left empty")\ngettext_lazy("Not in the catalogue")\n')
    (package / "page.html").write_text('{% translate "Two lines" %}{% translate "Done" %}\n')
    assert read_catalogue(po)["Two lines"].msgstr == "两行"
    assert sorted(problems(po, package)) == [
        "fuzzy: Guessed",
        "missing from the catalogue: Not in the catalogue  (a.py)",
        "untranslated: Left empty",
    ]
