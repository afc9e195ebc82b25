"""List what the zh_Hans catalogue still lacks; the catalogue (django.po) is the only home of the
translations, this script never writes one.

Usage (after `make messages`): .venv/bin/python scripts/untranslated.py
Prints each msgid whose msgstr is empty or fuzzy, and each msgid used in the code that the catalogue
does not have at all; exits 1 when there is any. tests/test_translations.py runs the same check.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "hongyixing"
PO = PACKAGE / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"

_STRING = r'"((?:[^"\\\n]|\\.)*)"'
# gettext calls with a single literal argument (the common case; makemessages finds the rest).
_PY_CALL = re.compile(
    r"(?<![\w.])(?:_|gettext|gettext_lazy|pgettext_lazy\([^)]*?,\s*)\(\s*" + _STRING + r"\s*[,)]"
)
_TEMPLATE = re.compile(r"\{%\s*(?:translate|trans)\s+" + _STRING)


@dataclass(frozen=True)
class Entry:
    msgid: str
    msgstr: str
    fuzzy: bool


def _unquote(lines: list[str]) -> str:
    parts = []
    for line in lines:
        match = re.match(r'^(?:msgid |msgstr |msgid_plural |msgstr\[0\] )?"(.*)"$', line)
        if match:
            parts.append(match.group(1))
    return "".join(parts).replace('\\"', '"').replace("\\n", "\n").replace("\\\\", "\\")


def read_catalogue(path: Path = PO) -> dict[str, Entry]:
    entries: dict[str, Entry] = {}
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        lines = [line for line in block.split("\n") if line and not line.startswith("#~")]
        ids = [i for i, line in enumerate(lines) if line.startswith("msgid ")]
        strs = [i for i, line in enumerate(lines) if line.startswith(("msgstr ", "msgstr[0] "))]
        if not ids or not strs:
            continue
        plural = next((i for i, line in enumerate(lines) if line.startswith("msgid_plural ")), strs[0])
        msgid = _unquote(lines[ids[0] : min(plural, strs[0])])
        if not msgid:
            continue  # the header
        end = next((i for i in range(strs[0] + 1, len(lines)) if lines[i].startswith("msgstr[")), len(lines))
        fuzzy = any(line.startswith("#,") and "fuzzy" in line for line in lines)
        entries[msgid] = Entry(msgid, _unquote(lines[strs[0] : end]), fuzzy)
    return entries


def msgids_in_code(package: Path = PACKAGE) -> dict[str, str]:
    """msgid → the first file that uses it (single-literal gettext calls and {% translate %})."""
    found: dict[str, str] = {}
    for path in sorted(package.rglob("*")):
        if path.suffix not in (".py", ".html") or "migrations" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        pattern = _PY_CALL if path.suffix == ".py" else _TEMPLATE
        for match in pattern.finditer(text):
            msgid = match.group(1).replace('\\"', '"').replace("\\n", "\n").replace("\\'", "'")
            found.setdefault(msgid, str(path.relative_to(package)))
    return found


def problems(path: Path = PO, package: Path = PACKAGE) -> list[str]:
    catalogue = read_catalogue(path)
    found = [f"untranslated: {e.msgid}" for e in catalogue.values() if not e.msgstr.strip()]
    found += [f"fuzzy: {e.msgid}" for e in catalogue.values() if e.fuzzy]
    found += [
        f"missing from the catalogue: {msgid}  ({where})"
        for msgid, where in msgids_in_code(package).items()
        if msgid not in catalogue
    ]
    return found


def main() -> int:
    listed = problems()
    for line in listed:
        print(line)
    return 1 if listed else 0


if __name__ == "__main__":
    sys.exit(main())
