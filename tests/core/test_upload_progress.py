"""A long upload shows its progress: the two upload pages load the external progress script."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.personas import World

pytestmark = pytest.mark.django_db
SCRIPT = Path(__file__).parents[2] / "src/hongyixing/static/hongyixing/upload-progress.js"


@pytest.mark.parametrize(("persona", "url"), [("district", "/verification/"), ("town_a", "/imports/")])
def test_upload_pages_mark_their_form_and_load_the_script(world: World, client_for, persona, url) -> None:
    html = client_for(persona).get(url).content.decode()
    assert "hongyixing/upload-progress.js" in html
    assert re.search(r'<form method="post" enctype="multipart/form-data"[^>]*data-upload-progress', html)
    assert "正在上传" in html
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)  # no inline script (CSP)


def test_the_script_falls_back_to_a_plain_submit() -> None:
    text = SCRIPT.read_text()
    assert 'xhr.upload.addEventListener("progress"' in text and "form.submit()" in text
