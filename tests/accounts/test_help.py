"""帮助: the user manual (docs/manual) as pages of the product — every picture it names exists and
is used, every role's page is reachable from the help page, and nothing but the manual is served."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.test import Client

from hongyixing.accounts import help as manual
from hongyixing.accounts.choices import Role
from tests.personas import World, login

MANUAL = Path(__file__).resolve().parents[2] / "docs" / "manual"
REFERENCE = re.compile(r"\]\(([^)\s]+)\)")


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.images: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "a" and values.get("href"):
            self.hrefs.append(str(values["href"]))
        if tag == "img" and values.get("src"):
            self.images.append(str(values["src"]))


def _links(html: str) -> _Links:
    parser = _Links()
    parser.feed(html)
    return parser


def _references() -> dict[str, list[str]]:
    return {p.name: REFERENCE.findall(p.read_text(encoding="utf-8")) for p in sorted(MANUAL.glob("*.md"))}


def test_every_picture_the_manual_names_exists_and_every_picture_is_named() -> None:
    named: set[str] = set()
    for page, targets in _references().items():
        for target in targets:
            if target.startswith("img/"):
                assert (MANUAL / target).is_file(), f"{page} names a missing picture: {target}"
                assert manual.IMAGE_NAME.fullmatch(target[4:]), f"{page}: {target} is not a served name"
                named.add(target[4:])
            elif not target.startswith(("http://", "https://", "#")):
                assert (MANUAL / target.partition("#")[0]).is_file(), f"{page} links a missing page: {target}"
    pictures = {p.name for p in (MANUAL / "img").glob("*.png")}
    assert pictures, "the manual has no screenshots"
    assert not pictures - named, f"screenshots no page shows: {sorted(pictures - named)}"


def test_every_role_has_a_page_and_the_index_links_them_all() -> None:
    assert set(manual.ROLE_PAGES) == set(Role.values)
    assert set(manual.ROLE_PAGES.values()) <= set(manual.pages())
    index = {t.removesuffix(".md") for t in _references()["README.md"] if t.endswith(".md")}
    assert index == set(manual.pages())


@pytest.mark.django_db
def test_every_role_page_is_reachable_from_the_help_page(world: World) -> None:
    client = login(Client(), world.users["grid_a1"])
    home = client.get("/")
    assert "/accounts/help/" in _links(home.content.decode()).hrefs  # in the menu
    index = client.get("/accounts/help/")
    assert index.status_code == 200
    body = index.content.decode()
    links = _links(body)
    # The reader's own page is named first, by its title.
    assert '您的岗位： <a href="/accounts/help/grid-worker/">网格员</a>' in body
    for page in manual.pages():
        url = f"/accounts/help/{page}/"
        assert url in links.hrefs, page
        response = client.get(url)
        assert response.status_code == 200, page
        shown = _links(response.content.decode())
        assert shown.images, f"{page} shows no screenshot"
        for src in shown.images:
            assert src.startswith("/accounts/help/img/"), src
            picture = client.get(src)
            assert picture.status_code == 200 and picture["Content-Type"] == "image/png", src
            assert b"".join(picture.streaming_content).startswith(b"\x89PNG")  # type: ignore[attr-defined]
        # Links between pages become routes of the product; none points at a .md file.
        assert not [h for h in shown.hrefs if h.endswith(".md")], page
    assert client.get("/accounts/help/no-such-page/").status_code == 404
    assert client.post("/accounts/help/").status_code == 405  # read-only pages
    assert client.post(f"/accounts/help/{manual.pages()[0]}/").status_code == 405
    assert Client().get("/accounts/help/").status_code == 302  # signed-in users only


@pytest.mark.django_db
def test_images_are_served_only_from_the_manual(world: World) -> None:
    client = login(Client(), world.users["enterprise"])
    picture = next((MANUAL / "img").glob("*.png")).name
    assert client.get(f"/accounts/help/img/{picture}").status_code == 200
    assert client.post(f"/accounts/help/img/{picture}").status_code == 405
    for name in ("..%2F..%2FREADME.md", "README.md", "missing.png", "UPPER.png", "..%2Fgrid-worker.md"):
        assert client.get(f"/accounts/help/img/{name}").status_code == 404, name
    assert Client().get(f"/accounts/help/img/{picture}").status_code == 302


def test_markdown_cannot_carry_markup() -> None:
    title, html = manual.render_markdown(
        '# 标题\n\n<script>alert(1)</script> [页](town.md#日报) ![图](img/a-b.png) <img src="x" onerror="y">'
    )
    assert title == "标题"
    assert "<script>" not in html and '<img src="x"' not in html
    assert 'href="/accounts/help/town/#%E6%97%A5%E6%8A%A5"' in html  # 日报, percent-encoded
    assert 'src="/accounts/help/img/a-b.png"' in html
