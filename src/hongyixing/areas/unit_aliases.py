"""A unit's names in local use: how lists write it, entered on the unit's edit page (``services.
do_edit_unit``); the divisions file's own short, suffix and former names are not edited here."""

from __future__ import annotations

import re
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


def clean_unit_aliases(unit: AdminUnit, given: Any) -> list[str]:
    """The unit's names in local use: one per line (or 、-separated) text, or a list of texts. Each is
    how a list may write the unit, so it must not be another unit's name under the same parent (the
    address router could no longer tell them apart)."""
    parts = _ALIAS_SEPARATORS.split(given) if isinstance(given, str) else list(given or [])
    wanted: list[str] = []
    for part in parts:
        alias = plain_text(part, field="aliases", limit=100)
        if alias and alias != unit.name and alias not in wanted:
            wanted.append(alias)
    if len(wanted) > MAX_LOCAL_ALIASES:
        # zh: 其他叫法最多 %(n)s 个
        raise DomainError(
            "unit.too_many_aliases", _("At most %(n)s other names.") % {"n": MAX_LOCAL_ALIASES}, "aliases"
        )
    if wanted and unit.parent_id is not None:
        siblings = AdminUnit.objects.filter(parent_id=unit.parent_id).exclude(pk=unit.pk)
        taken = set(siblings.filter(name__in=wanted).values_list("name", flat=True))
        taken |= set(
            UnitAlias.objects.filter(unit__in=siblings, alias__in=wanted).values_list("alias", flat=True)
        )
        if taken:
            clash = next(alias for alias in wanted if alias in taken)
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
