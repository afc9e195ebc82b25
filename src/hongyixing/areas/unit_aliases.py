"""A unit's names in local use: how lists write it, entered on the unit's edit page (``services.
do_edit_unit``); the divisions file's own short, suffix and former names are not edited here."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from django.utils.translation import gettext_lazy as _

from hongyixing.areas.choices import AliasKind
from hongyixing.areas.models import AdminUnit, UnitAlias
from hongyixing.core import audit
from hongyixing.core.errors import DomainError
from hongyixing.core.text import plain_text

MAX_LOCAL_ALIASES = 20
_ALIAS_SEPARATORS = re.compile(r"[\n\r、，,；;]+")


def local_aliases(unit: AdminUnit) -> list[str]:
    """The names in local use entered for the unit (the divisions file's own aliases are not edited)."""
    return list(unit.aliases.filter(kind=AliasKind.LOCAL).order_by("id").values_list("alias", flat=True))


def file_aliases(unit: AdminUnit) -> list[str]:
    """The names the divisions file gives the unit (short, suffix and former names)."""
    return list(unit.aliases.exclude(kind=AliasKind.LOCAL).order_by("id").values_list("alias", flat=True))


def _key(text: str) -> str:
    """How the importer and the address router compare names: width-folded, without spaces."""
    return "".join(unicodedata.normalize("NFKC", text).split())


def clean_unit_aliases(unit: AdminUnit, given: Any) -> list[str]:
    """The unit's names in local use: one per line (or 、-separated) text, or a list of such texts
    (the page and the API split alike). Spaces are dropped: lists and the router ignore them. Names
    the divisions file already gives are left out, and none may be another unit's name or alias under
    the same parent (the address router could no longer tell them apart)."""
    texts = [given] if isinstance(given, str) else [str(item) for item in given or []]
    known = {_key(unit.name), *(_key(a) for a in file_aliases(unit))}
    wanted: list[str] = []
    for part in (part for text in texts for part in _ALIAS_SEPARATORS.split(text)):
        alias = "".join(plain_text(part, field="aliases", limit=100).split())
        if alias and _key(alias) not in known and alias not in wanted:
            wanted.append(alias)
    if len(wanted) > MAX_LOCAL_ALIASES:
        # zh: 其他叫法最多 %(n)s 个
        raise DomainError(
            "unit.too_many_aliases", _("At most %(n)s other names.") % {"n": MAX_LOCAL_ALIASES}, "aliases"
        )
    if wanted and unit.parent_id is not None:
        siblings = AdminUnit.objects.filter(parent_id=unit.parent_id).exclude(pk=unit.pk)
        taken = {_key(name) for name in siblings.values_list("name", flat=True)}
        taken |= {
            _key(a) for a in UnitAlias.objects.filter(unit__in=siblings).values_list("alias", flat=True)
        }
        clash = next((alias for alias in wanted if _key(alias) in taken), None)
        if clash is not None:
            raise DomainError(
                "unit.alias_taken",
                # zh: “%(alias)s”已是同一上级下另一个单位的名称或叫法
                _("“%(alias)s” is already the name of another unit under the same parent.")
                % {"alias": clash},
                "aliases",
            )
    return wanted


def set_local_aliases(actor: Any, unit: AdminUnit, wanted: list[str]) -> None:
    """Each alias removed or added is a change-log row of its own; the router's index follows, since
    its fingerprint counts the aliases (``gazetteer``)."""
    for alias in unit.aliases.filter(kind=AliasKind.LOCAL).exclude(alias__in=wanted):
        audit.log_delete(actor, alias)
        alias.delete()
    present = set(unit.aliases.values_list("alias", flat=True))
    for text in wanted:
        if text not in present:  # an alias the divisions file already gives stays of its kind
            audit.log_create(actor, UnitAlias.objects.create(unit=unit, alias=text, kind=AliasKind.LOCAL))
