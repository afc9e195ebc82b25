"""Finding people as a work list (``core.lists``): the search box (name prefix, full ID or phone via
the blind indexes) narrowed by place and residency, paged with a total, exported masked.

The total is counted up to :data:`COUNT_CAP` (``COUNT`` over ``LIMIT``): a name's first character
across a city's persons would otherwise cost a count of every match. Beyond it the pager says
"more than 1,000" and the user narrows the search instead of paging further.

Apps above ``people`` add filters about their own records (control: "under an active measure")
with :func:`register_filter`, from their ``AppConfig.ready``; ``people`` never imports them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from hongyixing.areas.listfilters import grid_filter, town_filter, village_filter
from hongyixing.core.lists import Column, Filter, ListSpec, Sort, one_of
from hongyixing.people.choices import Residency
from hongyixing.people.models import Person, PersonPhone

COUNT_CAP = 1000

FilterFactory = Callable[[Any], Filter]
_extra_filters: list[FilterFactory] = []


def register_filter(factory: FilterFactory) -> None:
    """A filter of the person list built by a higher app (once per factory)."""
    if factory not in _extra_filters:
        _extra_filters.append(factory)


def _primary_phone(person: Person) -> str:
    phones = sorted(person.phones.all(), key=lambda p: (not p.is_primary, p.pk))
    return phones[0].masked if phones else ""


def _with_phones(persons: QuerySet[Person]) -> QuerySet[Person]:
    return persons.prefetch_related(
        Prefetch("phones", queryset=PersonPhone.objects.only("person_id", "masked", "is_primary"))
    )


def person_spec(user: Any) -> ListSpec:
    residencies = [(value, label) for value, label in Residency.choices]
    return ListSpec(
        filters=[
            town_filter(user),
            village_filter(user),
            grid_filter(user),
            Filter("residency", _("Residency"), residencies, one_of(residencies, lambda v: Q(residency=v))),
            *[factory(user) for factory in _extra_filters],
        ],
        sorts=[
            Sort("name", _("Name"), ("name",)),
            Sort("newest", _("Newest registered"), ("-id",)),
        ],
        columns=[
            Column(_("Name"), lambda p: p.name),
            Column(_("Sex"), lambda p: p.get_sex_display()),
            Column(_("Year of birth"), lambda p: p.birth_year or ""),
            Column(_("Document number"), lambda p: p.document_masked),
            Column(_("Phone"), _primary_phone),
            Column(_("Residency"), lambda p: p.get_residency_display()),
            Column(_("Address"), lambda p: p.household.address if p.household else p.current_address),
            Column(_("Grid"), lambda p: p.grid.name if p.grid else ""),
        ],
        keep=("q",),
        count_cap=COUNT_CAP,
        export_name="people",
        export_reason=_("Person list"),
    )


def export_spec(user: Any) -> ListSpec:
    """The list's spec with the phone column read for the exported rows (a prefetch, not per row)."""
    spec = person_spec(user)
    spec.decorate = _with_phones
    return spec


def person_queryset(user: Any, action: str = "view") -> QuerySet[Person]:
    return Person.objects.restrict(user, action).select_related("household", "grid")


PATH_ORDER = ("unit_path", "id")
_PLACE_FILTERS = {"town", "village"}
_ROW_FILTERS = {"residency"}  # conditions on the person's own row, checked as the path range is walked


def counts_along_path(request_get: Any, spec: ListSpec) -> bool:
    """Whether the list's capped count should walk the (unit_path, id) index over the chosen town or
    village: a place filter with nothing else but conditions on the person's own row. Left to itself
    PostgreSQL counted with a sequential scan that stops at the cap: quick when the place's rows come
    early in the table, 480 ms when the (synchronised) scan starts elsewhere, at 4.5 M persons; along
    the index it reads the place's rows only (9 ms). Another app's filter (an active measure) keeps
    the planner's own order: there the few matching measures are the cheaper side to start from."""
    chosen = {f.name for f in spec.filters if request_get.get(f.name)}
    return bool(chosen & _PLACE_FILTERS) and chosen <= _PLACE_FILTERS | _ROW_FILTERS


def has_filter(request_get: Any, spec: ListSpec) -> bool:
    """Whether the request names any of the list's filters (a list is shown only then or for a search)."""
    return any(request_get.get(f.name) for f in spec.filters)
