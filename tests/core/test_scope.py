"""Jurisdiction scopes: prefix ranges over unit paths, grid grants, and the restrict() choke point."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from django.apps import apps
from django.core.exceptions import EmptyResultSet
from django.db.models import Q
from hypothesis import given
from hypothesis import strategies as st

from hongyixing.core import scope as scope_module
from hongyixing.core.scope import (
    ACTIONS,
    EVERYTHING,
    NOTHING,
    Scope,
    ScopedModel,
    path_prefix_q,
    path_upper_bound,
    register_scope_resolver,
    scope_for,
)

digits = st.text(alphabet="0123456789", max_size=20)
nonempty_digits = st.text(alphabet="0123456789", min_size=1, max_size=20)


def in_range(value: str, prefix: str) -> bool:
    return prefix <= value < path_upper_bound(prefix)


# ---------------------------------------------------------------- path_upper_bound


@pytest.mark.parametrize(
    ("prefix", "upper"),
    [
        ("3208", "3209"),
        ("320813", "320814"),
        ("320819", "32082"),
        ("3299", "33"),
        ("32089999", "3209"),
        ("0", "1"),
        ("8", "9"),
        ("9", ":"),
        ("999", ":"),
        ("", ":"),
    ],
)
def test_path_upper_bound_examples(prefix: str, upper: str) -> None:
    assert path_upper_bound(prefix) == upper


@given(prefix=digits, suffix=digits)
def test_every_extension_of_the_prefix_is_in_range(prefix: str, suffix: str) -> None:
    assert in_range(prefix + suffix, prefix)


@given(prefix=nonempty_digits, other=digits)
def test_strings_not_starting_with_the_prefix_are_out_of_range(prefix: str, other: str) -> None:
    if not other.startswith(prefix):
        assert not in_range(other, prefix)


@given(prefix=nonempty_digits, data=st.data())
def test_long_strings_not_starting_with_the_prefix_are_out_of_range(prefix: str, data: st.DataObject) -> None:
    # Same property, biased to the interesting case: equal length or longer, sharing most of the prefix.
    keep = data.draw(st.integers(0, len(prefix) - 1))
    changed = data.draw(st.sampled_from("0123456789").filter(lambda c: c != prefix[keep]))
    tail = data.draw(digits)
    other = prefix[:keep] + changed + prefix[keep + 1 :] + tail
    assert len(other) >= len(prefix)
    assert not other.startswith(prefix)
    assert not in_range(other, prefix)


@given(prefix=digits)
def test_upper_bound_is_above_the_prefix_and_outside_its_subtree(prefix: str) -> None:
    upper = path_upper_bound(prefix)
    assert upper > prefix
    assert not upper.startswith(prefix) or upper == ":"
    # The largest members of the subtree (prefix + 9s) are still below the bound.
    assert in_range(prefix + "9" * 30, prefix)


@given(prefix=digits, value=digits)
def test_sqlite_binary_collation_agrees_with_python(prefix: str, value: str) -> None:
    # The range filter relies on the database ordering digit strings the way Python does.
    upper = path_upper_bound(prefix)
    with sqlite3.connect(":memory:") as connection:
        (inside,) = connection.execute("SELECT ? >= ? AND ? < ?", (value, prefix, value, upper)).fetchone()
    assert bool(inside) == value.startswith(prefix)


def test_path_prefix_q_is_a_half_open_range() -> None:
    assert path_prefix_q("unit_path", "320813") == Q(unit_path__gte="320813", unit_path__lt="320814")
    assert path_prefix_q("path", "3299") == Q(path__gte="3299", path__lt="33")


# ---------------------------------------------------------------- Scope


def test_empty_scope() -> None:
    assert Scope().is_empty
    assert NOTHING.is_empty
    assert not EVERYTHING.is_empty
    assert not Scope(unit_paths=("320813",)).is_empty
    assert not Scope(grid_ids=(1,)).is_empty


@given(code=digits, grid=st.none() | st.integers(0, 10**6))
def test_nothing_covers_nothing_and_everything_covers_everything(code: str, grid: int | None) -> None:
    assert not NOTHING.covers_path(code)
    assert not NOTHING.covers(code, grid)
    assert EVERYTHING.covers_path(code)
    assert EVERYTHING.covers(code, grid)


def test_covers_path_by_prefix() -> None:
    scope = Scope(unit_paths=("320813001", "320813103"))
    assert scope.covers_path("320813001")
    assert scope.covers_path("320813001001")
    assert scope.covers_path("320813103205")
    assert not scope.covers_path("320813")  # the district is above the granted towns
    assert not scope.covers_path("320813002001")
    assert not scope.covers_path("32081300")


def test_covers_by_grid() -> None:
    scope = Scope(unit_paths=("320813001",), grid_ids=(7, 9))
    assert scope.covers("320813002001", 7)
    assert scope.covers("320813002001", 9)
    assert not scope.covers("320813002001", 8)
    assert not scope.covers("320813002001", None)
    assert scope.covers("320813001001", None)


@given(paths=st.lists(nonempty_digits, max_size=4), code=digits)
def test_covers_path_agrees_with_the_range_filter(paths: list[str], code: str) -> None:
    scope = Scope(unit_paths=tuple(paths))
    assert scope.covers_path(code) == any(in_range(code, prefix) for prefix in paths)


def test_scope_is_frozen_and_hashable() -> None:
    scope = Scope(unit_paths=("3208",), grid_ids=(1,))
    assert scope == Scope(unit_paths=("3208",), grid_ids=(1,))
    assert hash(scope) == hash(Scope(unit_paths=("3208",), grid_ids=(1,)))
    with pytest.raises(AttributeError):
        scope.everything = True  # type: ignore[misc]


# ---------------------------------------------------------------- as_q


def _household_model() -> Any:
    return apps.get_model("areas", "Household")


def test_as_q_on_everything_is_unfiltered() -> None:
    assert EVERYTHING.as_q("unit_path", "grid_id") == Q()
    query = str(_household_model().objects.filter(EVERYTHING.as_q("unit_path", "grid_id")).query)
    assert "WHERE" not in query


def test_as_q_on_an_empty_scope_matches_nothing() -> None:
    assert Scope().is_empty
    condition = Scope().as_q("unit_path", "grid_id")
    assert condition == Q(pk__in=[])
    queryset = _household_model().objects.filter(condition)
    # Django proves an empty IN matches nothing without asking the database.
    with pytest.raises(EmptyResultSet):
        str(queryset.query)


def test_as_q_on_an_empty_scope_matches_nothing_even_without_grid_field() -> None:
    assert Scope(grid_ids=(1, 2)).as_q("unit_path", None) == Q(pk__in=[])


def test_as_q_combines_paths_and_grids() -> None:
    condition = Scope(unit_paths=("320813001", "3299"), grid_ids=(4, 5)).as_q("unit_path", "grid_id")
    expected = (
        Q(pk__in=[])
        | Q(unit_path__gte="320813001", unit_path__lt="320813002")
        | Q(unit_path__gte="3299", unit_path__lt="33")
        | Q(grid_id__in=(4, 5))
    )
    assert condition == expected
    sql = str(_household_model().objects.filter(condition).query)
    assert '"unit_path" >= 320813001' in sql
    assert '"unit_path" < 320813002' in sql
    assert '"grid_id" IN (4, 5)' in sql


def test_as_q_ignores_grids_when_the_model_has_no_grid_field() -> None:
    condition = Scope(unit_paths=("3208",), grid_ids=(4,)).as_q("unit_path", None)
    assert condition == Q(pk__in=[]) | Q(unit_path__gte="3208", unit_path__lt="3209")


def _scoped_models() -> list[type]:
    return [model for model in apps.get_models() if issubclass(model, ScopedModel)]


def test_there_are_scoped_models() -> None:
    names = {model.__name__ for model in _scoped_models()}
    assert {"AdminUnit", "Grid", "Household", "Person"} <= names


@pytest.mark.parametrize("model", _scoped_models(), ids=lambda model: model.__name__)
def test_every_scoped_model_names_real_columns(model: type) -> None:
    """restrict() filters on ``scope_path_field``/``scope_grid_field``: both must be database columns."""
    scope = Scope(unit_paths=("320813",), grid_ids=(1,))
    queryset = model.objects.filter(scope.as_q(model.scope_path_field, model.scope_grid_field))  # type: ignore[attr-defined]
    assert "320813" in str(queryset.query)


# ---------------------------------------------------------------- scope_for / restrict / in_scope


@pytest.fixture
def resolver_calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[object, str]]]:
    calls: list[tuple[object, str]] = []
    monkeypatch.setattr(scope_module, "_resolver", [])

    def resolve(user: object, action: str) -> Scope:
        calls.append((user, action))
        return getattr(user, "granted", NOTHING)

    register_scope_resolver(resolve)
    yield calls


def _user(granted: Scope, authenticated: bool = True) -> SimpleNamespace:
    return SimpleNamespace(is_authenticated=authenticated, granted=granted)


def test_unknown_action_is_an_error(resolver_calls: list) -> None:
    with pytest.raises(ValueError, match="unknown action"):
        scope_for(_user(EVERYTHING), "delete")


def test_anonymous_and_missing_users_get_nothing(resolver_calls: list) -> None:
    assert scope_for(None, "view") is NOTHING
    assert scope_for(_user(EVERYTHING, authenticated=False), "view") is NOTHING
    assert scope_for(SimpleNamespace(), "view") is NOTHING
    assert resolver_calls == []


def test_without_a_resolver_everyone_gets_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scope_module, "_resolver", [])
    assert scope_for(_user(EVERYTHING), "view") is NOTHING


def test_scope_is_resolved_once_per_user_and_action(resolver_calls: list) -> None:
    user = _user(Scope(unit_paths=("320813",)))
    for action in ACTIONS:
        assert scope_for(user, action) == Scope(unit_paths=("320813",))
        assert scope_for(user, action) == Scope(unit_paths=("320813",))
    assert [action for _, action in resolver_calls] == list(ACTIONS)
    other = _user(NOTHING)
    assert scope_for(other, "view") is NOTHING
    assert len(resolver_calls) == len(ACTIONS) + 1


def test_register_replaces_the_previous_resolver(resolver_calls: list) -> None:
    register_scope_resolver(lambda user, action: EVERYTHING)
    assert scope_for(_user(NOTHING), "view") is EVERYTHING
    assert len(scope_module._resolver) == 1


def test_restrict_with_an_empty_scope_is_none(resolver_calls: list) -> None:
    queryset = _household_model().objects.restrict(_user(NOTHING))
    assert queryset.query.is_empty()
    assert _household_model().objects.restrict(None).query.is_empty()


def test_restrict_filters_by_range(resolver_calls: list) -> None:
    queryset = _household_model().objects.restrict(_user(Scope(unit_paths=("320813001",))), "export")
    sql = str(queryset.query)
    assert '"unit_path" >= 320813001' in sql
    assert '"unit_path" < 320813002' in sql
    assert resolver_calls[-1][1] == "export"


def test_restrict_everything_is_unfiltered(resolver_calls: list) -> None:
    assert "WHERE" not in str(_household_model().objects.restrict(_user(EVERYTHING)).query)


def test_in_scope_uses_the_row_columns(resolver_calls: list) -> None:
    household_model = _household_model()
    row = household_model(unit_path="320813001001", grid_id=5)
    assert row.in_scope(_user(Scope(unit_paths=("320813001",))))
    assert not row.in_scope(_user(Scope(unit_paths=("320813002",))))
    assert row.in_scope(_user(Scope(grid_ids=(5,))))
    assert not row.in_scope(_user(Scope(grid_ids=(6,))))
    assert not row.in_scope(None)
