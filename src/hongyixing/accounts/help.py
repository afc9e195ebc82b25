"""帮助: the user manual (docs/manual/*.md, Simplified Chinese) as pages of the product.

The Markdown is rendered with markdown-it-py (CommonMark, raw HTML off: a manual page cannot carry
markup or script), its links between pages become routes here and its images (``img/*.png``) are
served by ``help_image``. The index names the pages of the reader's own roles first.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_safe
from markdown_it import MarkdownIt

from hongyixing.accounts.choices import Role
from hongyixing.accounts.permissions import roles_of

# docs/manual of the source tree; settings.MANUAL_DIR overrides it (an install outside the tree).
DEFAULT_DIR = Path(__file__).resolve().parents[3] / "docs" / "manual"
INDEX = "README"
# The manual's page for each role (a role without a page of its own reads the nearest one).
ROLE_PAGES: dict[str, str] = {
    Role.GRID_WORKER: "grid-worker",
    Role.COMMUNITY_POLICE: "grid-worker",
    Role.VILLAGE_CADRE: "village-cadre",
    Role.TOWN_OFFICER: "town",
    Role.DISTRICT_OFFICE: "district",
    Role.WORKING_GROUP: "district",
    Role.CDC_STAFF: "cdc",
    Role.SITE_MANAGER: "site",
    Role.ENTERPRISE: "enterprise",
}
PAGE_NAME = re.compile(r"[a-z][a-z0-9-]*")
IMAGE_NAME = re.compile(r"[a-z0-9][a-z0-9-]*\.png")


def manual_dir() -> Path:
    return Path(getattr(settings, "MANUAL_DIR", DEFAULT_DIR))


def pages() -> list[str]:
    """The manual's pages other than the index, by file name without ``.md``."""
    return sorted(
        p.stem for p in manual_dir().glob("*.md") if p.stem != INDEX and PAGE_NAME.fullmatch(p.stem)
    )


def _url(target: str) -> str:
    """A link or image target of the Markdown as a URL of the product (others are left as written)."""
    if target.startswith("img/") and IMAGE_NAME.fullmatch(target[4:]):
        return reverse("accounts:help_image", args=[target[4:]])
    page, _sep, anchor = target.partition("#")
    if page.endswith(".md"):
        stem = page[:-3]
        url = reverse("accounts:help") if stem == INDEX else reverse("accounts:help_page", args=[stem])
        return url + (f"#{anchor}" if anchor else "")
    return target


def render_markdown(text: str) -> tuple[str, str]:
    """(title, HTML) of a manual page: the first heading is the title."""
    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    tokens = md.parse(text)
    title = ""
    for n, token in enumerate(tokens):
        if token.type == "heading_open" and not title and n + 1 < len(tokens):
            title = tokens[n + 1].content
        for child in token.children or []:
            if child.type == "image":
                child.attrSet("src", _url(str(child.attrGet("src") or "")))
                child.attrSet("loading", "lazy")
            elif child.type == "link_open":
                child.attrSet("href", _url(str(child.attrGet("href") or "")))
    return title, md.renderer.render(tokens, md.options, {})


def _page(request: HttpRequest, name: str, extra: dict[str, Any]) -> HttpResponse:
    path = manual_dir() / f"{name}.md"
    if not path.is_file():
        raise Http404
    title, body = render_markdown(path.read_text(encoding="utf-8"))
    context = {"title": title, "body": mark_safe(body), "name": name, **extra}  # noqa: S308 (html off)
    return render(request, "accounts/help.html", context)


@require_safe
@login_required
def help_index(request: HttpRequest) -> HttpResponse:
    mine = sorted({ROLE_PAGES[r] for r in roles_of(request.user) if r in ROLE_PAGES} & set(pages()))
    links = [
        (_title(manual_dir() / f"{page}.md"), reverse("accounts:help_page", args=[page])) for page in mine
    ]
    return _page(request, INDEX, {"mine": links})


def _title(path: Path) -> str:
    return render_markdown(path.read_text(encoding="utf-8"))[0]


@require_safe
@login_required
def help_page(request: HttpRequest, page: str) -> HttpResponse:
    if page not in pages():
        raise Http404
    return _page(request, page, {})


@require_safe
@login_required
def help_image(request: HttpRequest, name: str) -> FileResponse:
    path = manual_dir() / "img" / name
    if not IMAGE_NAME.fullmatch(name) or not path.is_file():
        raise Http404
    response = FileResponse(path.open("rb"), content_type="image/png")
    response["Cache-Control"] = "private, max-age=3600"
    return response
