"""The one choke point for jurisdiction: ``Model.objects.restrict(user, action)``.

A user's grants (kept by ``accounts``) resolve to a :class:`Scope`: unit subtrees (by statistical
code prefix) and individual grids. Every scoped model names the two columns that place a row in the
tree; ``restrict`` turns the scope into one indexed filter. ``core`` does not know about accounts: the
resolver is registered at start-up.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar

from django.db import models
from django.db.models import Q

ACTIONS = ("view", "change", "reveal", "export")


@dataclass(frozen=True)
class Scope:
    everything: bool = False
    unit_paths: tuple[str, ...] = ()
    grid_ids: tuple[int, ...] = field(default=())

    @property
    def is_empty(self) -> bool:
        return not (self.everything or self.unit_paths or self.grid_ids)

    def covers_path(self, code: str) -> bool:
        return self.everything or any(code.startswith(prefix) for prefix in self.unit_paths)

    def covers(self, code: str, grid_id: int | None) -> bool:
        return self.covers_path(code) or (grid_id is not None and grid_id in self.grid_ids)

    def as_q(self, path_field: str, grid_field: str | None) -> Q:
        if self.everything:
            return Q()
        condition = Q(pk__in=[])
        for prefix in self.unit_paths:
            condition |= path_prefix_q(path_field, prefix)
        if grid_field and self.grid_ids:
            condition |= Q(**{f"{grid_field}__in": self.grid_ids})
        return condition


NOTHING = Scope()
EVERYTHING = Scope(everything=True)


def path_upper_bound(prefix: str) -> str:
    """The smallest digit string above every string starting with ``prefix``.

    Codes are digit strings whose prefix is their ancestor, so a subtree is the half-open range
    ``[prefix, upper)``: a plain B-tree range scan on SQLite and PostgreSQL alike (``LIKE 'x%'``
    needs a special operator class on PostgreSQL and is not indexed on SQLite).
    """
    digits = prefix.rstrip("9")
    if not digits:
        return ":"  # after every digit string
    return digits[:-1] + chr(ord(digits[-1]) + 1)


def path_prefix_q(path_field: str, prefix: str) -> Q:
    return Q(**{f"{path_field}__gte": prefix, f"{path_field}__lt": path_upper_bound(prefix)})


ScopeResolver = Callable[[Any, str], Scope]
_resolver: list[ScopeResolver] = []


def register_scope_resolver(resolver: ScopeResolver) -> None:
    _resolver[:] = [resolver]


def scope_for(user: Any, action: str) -> Scope:
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    if user is None or not getattr(user, "is_authenticated", False) or not _resolver:
        return NOTHING
    cache: dict[str, Scope] | None = getattr(user, "_hongyixing_scope_cache", None)
    if cache is None:
        cache = {}
        user._hongyixing_scope_cache = cache
    if action not in cache:
        cache[action] = _resolver[0](user, action)
    return cache[action]


_M = TypeVar("_M", bound=models.Model)


class ScopedQuerySet(models.QuerySet[_M]):
    def restrict(self, user: Any, action: str = "view") -> ScopedQuerySet[_M]:
        scope = scope_for(user, action)
        if scope.is_empty:
            return self.none()
        model: Any = self.model
        return self.filter(scope.as_q(model.scope_path_field, model.scope_grid_field))


class ScopedModel(models.Model):
    """A row placed in the tree by a unit code column and, optionally, a grid column."""

    scope_path_field: ClassVar[str] = "unit_path"
    scope_grid_field: ClassVar[str | None] = "grid_id"

    class Meta:
        abstract = True

    def in_scope(self, user: Any, action: str = "view") -> bool:
        scope = scope_for(user, action)
        grid_id = getattr(self, self.scope_grid_field) if self.scope_grid_field else None
        return scope.covers(getattr(self, self.scope_path_field), grid_id)
