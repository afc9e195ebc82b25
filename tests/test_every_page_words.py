"""Every page × every persona × both languages reads as words: no English msgid of our catalogue left
on a Chinese page, no raw code (snake_case, dotted event names, ``None``, choice values), no UTC
timestamp and no template tag left in the output (the checker: ``tests/pagewords.py``).

The routes are the named page routes of the URL tree, their parameters filled from the shared world
(as the authorization matrix fills them) plus a case and the economy's objects; a route that answers
anything but a 200 HTML page to a persona (a POST-only route, a download, a 404 out of scope) is not
a page that persona reads.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import get_resolver

from hongyixing.accounts import help as manual
from hongyixing.accounts import services as accounts
from tests.pagewords import problems, visible_text
from tests.personas import PASSWORD, World, login
from tests.test_authorization_matrix import (
    PERSONAS,
    _fill,
    _object_urls,
    _place_objects,
    _walk,
    economy_objects,  # noqa: F401 (the fixture, shared)
)

# Routes never fetched by the sweep: they end the session, change the language, or show the audited
# plain personal data (tests/people/), and the public pages outside the signed-in menu.
NOT_SWEPT = {"accounts:logout", "set_language", "people:reveal", "healthz", "service_worker", "manifest"}
# Two personas the matrix does not need, for the manual's roles: a village cadre of village A and the
# manager of town A's quarantine site.
EXTRA = ["cadre_a", "site_a"]


def _extra_users(world: World) -> None:
    if "cadre_a" in world.users:
        return
    for name, role, unit in (
        ("cadre_a", "village_cadre", world.a.village),
        ("site_a", "site_manager", world.a.town),
    ):
        user = accounts.do_create_user(None, name, password=PASSWORD, display_name=name)
        accounts.do_grant(None, user, role, unit=unit)
        world.users[name] = user


def page_urls(world: World, objects_of: dict[str, dict[str, str]]) -> dict[str, str]:
    """name → a URL for every named page route whose parameters the world can fill."""
    from tests.cases.builders import build_case

    _extra_users(world)
    objects = _place_objects(world)
    case = build_case(world).case
    objects.update(
        case_id=case.pk,
        user_id=world.users["grid_a1"].pk,
        enterprise_id=objects_of["a"]["enterprise_id"],
        filing_id=objects_of["a"]["filing_id"],
        claim_id=objects_of["a"]["claim_id"],
    )
    named = {**_object_urls(world, "a"), **{k: v for k, v in objects_of["a"].items() if ":" in k}}
    urls: dict[str, str] = {}
    for name, pattern in _walk(get_resolver().url_patterns):
        if not name or name.startswith("api:") or name in NOT_SWEPT:
            continue
        url = named.get(name) or _fill(pattern, objects)
        if url:
            urls[name] = url
    for page in manual.pages():  # every page of the user manual (帮助)
        urls[f"accounts:help_page {page}"] = f"/accounts/help/{page}/"
    return urls


def sweep(client: Client, urls: dict[str, str], language: str, allowed: frozenset[str]) -> dict[str, Any]:
    """url → what is wrong on it, for the pages this client gets as 200 HTML; and how many it read."""
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = language
    found: dict[str, Any] = {}
    read = 0
    for name, url in sorted(urls.items()):
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        read += 1
        wrong = problems(response.content.decode(), language, allowed=allowed)
        if wrong:
            found[f"{name} {url}"] = sorted(set(wrong))
    found["pages read"] = read
    return found


def _allowed(world: World) -> frozenset[str]:
    """User names are data that may look like code (``grid_a1``): the people chose them."""
    return frozenset(world.users)


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS + EXTRA)
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_page_reads_as_words(
    world: World,
    economy_objects: dict[str, dict[str, str]],  # noqa: F811 (the fixture)
    persona: str,
    language: str,
) -> None:
    urls = page_urls(world, economy_objects)
    found = sweep(login(Client(), world.users[persona]), urls, language, _allowed(world))
    read = found.pop("pages read")
    assert read >= 10, (persona, read)  # the persona has pages; a sweep of nothing proves nothing
    assert not found, "\n".join(f"{url}: {wrong}" for url, wrong in found.items())


# --- the checker itself ---------------------------------------------------------------------------


def test_the_checker_reads_text_not_markup() -> None:
    html = (
        '<p title="提示">你好<script>var home_isolation = "None";</script><b>世界</b></p>'
        '<input type="hidden" value="task.dispatched"><input placeholder="姓名" value="x">'
        "<style>.a_b{}</style><!-- home_isolation -->"
    )
    assert visible_text(html) == ["提示", "你好", "世界", "姓名"]
    assert problems(html, "zh-hans") == []


def test_the_checker_names_every_kind_of_leftover() -> None:
    html = (
        "<main><h1>Change password</h1><p>home_isolation</p><p>HOME_ISOLATION</p><p>task.dispatched</p>"
        "<p>负责人：None</p><p>2026-03-01T08:00:00Z</p><p>{{ person.name }}</p><td>closed</td>"
        "<p>导出 名单.xlsx</p></main>"
    )
    wrong = problems(html, "zh-hans")
    assert any("untranslated msgid: 'Change password'" in w for w in wrong), wrong
    assert any("raw code shown: 'home_isolation'" in w for w in wrong), wrong
    assert any("raw code shown: 'HOME_ISOLATION'" in w for w in wrong), wrong
    assert any("dotted code shown: 'task.dispatched'" in w for w in wrong), wrong
    assert any(w.startswith("None shown") for w in wrong), wrong
    assert any(w.startswith("UTC timestamp shown") for w in wrong), wrong
    assert any(w.startswith("template tag left") for w in wrong), wrong
    assert any("choice value shown: 'closed'" in w for w in wrong), wrong
    assert not any("xlsx" in w for w in wrong), wrong
    # English pages may hold English words, never codes.
    assert {w.split(":")[0] for w in problems(html, "en")} == {
        "raw code shown",
        "dotted code shown",
        "None shown",
        "UTC timestamp shown",
        "template tag left in the page",
    }


@pytest.mark.django_db
def test_the_sweep_fails_on_a_broken_page(world: World, settings: Any, tmp_path: Path) -> None:
    """A real page with a template broken on purpose: the sweep names each defect, and the same page
    unbroken passes."""
    original = Path(settings.TEMPLATES[0]["DIRS"][0]) / "accounts" / "password.html"
    urls = {"accounts:password": "/accounts/password/"}
    allowed = _allowed(world)
    client = login(Client(), world.users["town_a"])
    assert sweep(client, urls, "zh-hans", allowed) == {"pages read": 1}
    broken = tmp_path / "accounts"
    broken.mkdir()
    text = original.read_text(encoding="utf-8")
    planted = (
        "<p>Change password</p><p>{{ user.grants.first.role }}</p><p>task.dispatched</p>"
        "<p>{{ user.date_joined.isoformat }}</p>"
        "<p>{ { x }}{{ '{{' }}</p>"
    )
    head, end, tail = text.rpartition("{% endblock %}")
    (broken / "password.html").write_text(head + planted + end + tail, encoding="utf-8")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}]
    found = sweep(client, urls, "zh-hans", allowed)
    wrong = " ".join(found["accounts:password /accounts/password/"])
    for kind in (
        "untranslated msgid: 'Change password'",
        "raw code shown: 'town_officer'",
        "dotted code shown: 'task.dispatched'",
        "UTC timestamp shown",
        "template tag left in the page",
    ):
        assert kind in wrong, (kind, wrong)
