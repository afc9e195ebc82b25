from __future__ import annotations

import pytest

from hongyixing import config
from hongyixing.areas import district


@pytest.mark.parametrize("raw", ["32081", "320800", "3208133", "abcdef", "320013"])
def test_a_bad_district_code_is_reported_by_name(monkeypatch, raw: str) -> None:
    monkeypatch.setattr(config, "PROBLEMS", [])
    monkeypatch.setenv("HONGYIXING_DISTRICT_CODE", raw)
    assert config.env_district_code("HONGYIXING_DISTRICT_CODE") == ""
    assert config.PROBLEMS and "HONGYIXING_DISTRICT_CODE" in config.PROBLEMS[0]


def test_the_district_comes_from_configuration_or_the_divisions_file(settings) -> None:
    settings.HONGYIXING_DISTRICT_CODE = ""
    assert district.district_code() == "320813"  # the shipped file's one district with towns
    settings.HONGYIXING_DISTRICT_CODE = "320803"
    assert district.district_path() == "320803"
