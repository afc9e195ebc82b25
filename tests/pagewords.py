"""What a person reads on a page, and the words that must never be among it.

``visible_text`` parses the HTML with the standard library's parser (never a regex over markup): text
inside ``<script>``, ``<style>`` and ``<template>`` is dropped, tags and attributes go, and the few
attributes a person does read (``title``, ``placeholder``, ``alt``, ``aria-label``) stay.
``problems`` names what a page in the given language shows that it must not: an English msgid of our
catalogue on a Chinese page, a raw code (snake_case or UPPER_SNAKE, a dotted event name, ``None``, a
choice value), a UTC timestamp, or a template tag left in the output.
"""

from __future__ import annotations

import enum
import importlib
import re
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

from scripts.untranslated import PO, read_catalogue

HIDDEN = {"script", "style", "template", "noscript"}
READ_ATTRIBUTES = {"title", "placeholder", "alt", "aria-label"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
CHOICE_MODULES = [
    f"hongyixing.{app}.choices"
    for app in (
        "accounts",
        "areas",
        "cases",
        "command",
        "control",
        "enterprises",
        "people",
        "projects",
        "verification",
    )
]


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.pieces: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in HIDDEN:
            self.hidden += 1
        if self.hidden:
            return
        if tag == "input" and dict(attrs).get("type") == "hidden":
            return
        for name, value in attrs:
            if name in READ_ATTRIBUTES and value:
                self.pieces.append(value)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in HIDDEN:
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in HIDDEN and self.hidden:
            self.hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self.hidden and data.strip():
            self.pieces.append(data)


def visible_text(html: str) -> list[str]:
    """The page's readable pieces, each with its whitespace collapsed."""
    parser = _Text()
    parser.feed(html)
    parser.close()
    return [" ".join(piece.split()) for piece in parser.pieces]


@cache
def translated_msgids(po: Path = PO) -> tuple[frozenset[str], re.Pattern[str] | None]:
    """English msgids that Chinese pages show translated: exact pieces, and a pattern for phrases.

    A msgid whose translation is itself (API, ID numbers) is not English left behind. A msgid with
    placeholders becomes a pattern of its words around them.
    """
    exact: set[str] = set()
    phrases: list[str] = []
    for entry in read_catalogue(po).values():
        msgid = " ".join(entry.msgid.split())
        if not re.search(r"[A-Za-z]{2}", msgid) or entry.msgstr.strip() == entry.msgid.strip():
            continue
        literal = re.split(r"%\(\w+\)[sd]|%[sd]|\{\w*\}", msgid)
        words = [w for part in literal for w in re.findall(r"[A-Za-z]{3,}", part)]
        if len(literal) == 1:
            exact.add(msgid)
            if len(words) >= 2:
                phrases.append(re.escape(msgid))
        elif len(words) >= 2:
            phrases.append(r".{1,40}?".join(re.escape(part) for part in literal))
    phrases.sort(key=len, reverse=True)
    pattern = re.compile(r"(?<![A-Za-z])(?:" + "|".join(phrases) + r")(?![A-Za-z])") if phrases else None
    return frozenset(exact), pattern


@cache
def choice_values() -> frozenset[str]:
    """Every stored value of our apps' TextChoices (the codes a label must stand in for)."""
    values: set[str] = set()
    for module_name in CHOICE_MODULES:
        module = importlib.import_module(module_name)
        for thing in vars(module).values():
            if isinstance(thing, type) and issubclass(thing, enum.Enum) and hasattr(thing, "choices"):
                values |= {str(v) for v in thing.values if isinstance(v, str) and re.search("[a-z]", v)}
    return frozenset(values)


SNAKE = re.compile(r"(?<![\w.@/-])(?:[a-z][a-z0-9]*(?:_[a-z0-9]+)+|[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)(?![\w@/-])")
DOTTED = re.compile(r"(?<![\w.@/-])[a-z][a-z_]+(?:\.[a-z_]+)+(?![\w@/-])")
FILE_SUFFIXES = {"xlsx", "xls", "docx", "csv", "png", "pdf", "json", "zip", "txt", "md", "webmanifest"}
UTC = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}|\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]00:?00)\b")
TEMPLATE_LEFTOVER = re.compile(r"\{\{|\{%|%\}|\}\}")
NONE = re.compile(r"(?<![A-Za-z])None(?![A-Za-z])")


def problems(html: str, language: str, *, allowed: frozenset[str] = frozenset()) -> list[str]:
    """What the page shows that it must not (``allowed``: data that only looks like code, e.g. user names)."""
    found: list[str] = []
    exact, phrases = translated_msgids()
    values = choice_values()
    for piece in visible_text(html):
        bare = piece
        for word in allowed:
            bare = bare.replace(word, " ")
        if TEMPLATE_LEFTOVER.search(bare):
            found.append(f"template tag left in the page: {piece!r}")
        # "None." is an English msgid of ours (an empty list); a None printed by a template is not.
        if NONE.search(bare) and not (language == "en" and bare.strip() in exact):
            found.append(f"None shown: {piece!r}")
        if UTC.search(bare):
            found.append(f"UTC timestamp shown: {piece!r}")
        for match in SNAKE.finditer(bare):
            found.append(f"raw code shown: {match.group()!r} in {piece!r}")
        for match in DOTTED.finditer(bare):
            if match.group().rsplit(".", 1)[-1] not in FILE_SUFFIXES:
                found.append(f"dotted code shown: {match.group()!r} in {piece!r}")
        if language == "en":
            continue
        if bare.strip() in exact:
            found.append(f"untranslated msgid: {piece!r}")
        elif phrases and (match := phrases.search(bare)):
            found.append(f"untranslated msgid: {match.group()!r} in {piece!r}")
        for word in re.findall(r"(?<![\w-])[a-z]+(?![\w-])", bare):
            if word in values:
                found.append(f"choice value shown: {word!r} in {piece!r}")
    return found
