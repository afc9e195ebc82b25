"""Work lists: filters, sort, paging with totals, export of the filtered list, bulk actions.

A page describes its list once (:class:`ListSpec`) and hands a scoped queryset to :func:`build_list`;
the template include ``core/_list.html`` draws the filters, the pager ("第 1–50 条，共 2,277 条"), the
sort and export links and the bulk form around the page's own rows. Cost is bounded whatever the
list holds: one COUNT and one page query (the page size is capped), and an export is capped too.
Filters and sort keys come only from the spec, so a request cannot filter on what the page does not
offer; the queryset the page passes in is already restricted to the user's scope.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from hongyixing.core import audit
from hongyixing.core.downloads import content_disposition
from hongyixing.core.models import PiiAccessKind

PAGE_SIZES = (20, 50, 100, 200)
DEFAULT_PAGE_SIZE = 50
EXPORT_LIMIT = 20_000


@dataclass
class Filter:
    """One filter of a list. ``choices`` are (value, label); ``apply`` turns the chosen value into a
    condition (a ``Q``), or ``None`` for a value that is not offered (ignored, never an error)."""

    name: str
    label: Any
    choices: Sequence[tuple[str, Any]]
    apply: Callable[[str], Q | None]
    # The value used when the request does not name this filter (``?state=`` chosen as "All" is not
    # absent: it shows everything).
    default: str = ""
    # While this filter is chosen, count the total only up to this many (the pager then says "more
    # than"): for a condition no index answers, whose exact count is a scan of every candidate row.
    count_cap: int | None = None
    # The same condition (the same rows) in the shape the list's COUNT should run, when the shape
    # that serves the page's rows best is a poor count: an anti-join the planner hashes whole (every
    # row of the other table) where a per-row index probe would stop at the cap. ``None``: ``apply``.
    count_apply: Callable[[str], Q | None] | None = None


def one_of(choices: Sequence[tuple[str, Any]], condition: Callable[[str], Q]) -> Callable[[str], Q | None]:
    """A filter's ``apply``: the condition for an offered value, ``None`` (ignored) for any other."""
    offered = {value for value, _label in choices}
    return lambda value: condition(value) if value in offered else None


@dataclass
class Sort:
    key: str
    label: Any
    order_by: tuple[str, ...]


@dataclass
class Column:
    """An export column: ``value`` reads it from a row; personal data only in masked form."""

    label: Any
    value: Callable[[Any], object]


@dataclass
class ListSpec:
    filters: Sequence[Filter]
    sorts: Sequence[Sort]
    columns: Sequence[Column] = ()
    bulk_actions: Sequence[tuple[str, Any]] = ()
    export_name: str = "list"
    export_reason: Any = ""
    # Request parameters the list carries through its links unchanged (a search box's ``q``).
    keep: Sequence[str] = ()
    # Count at most this many rows (``COUNT`` over ``LIMIT cap + 1``): the pager then says "more than";
    # for lists whose full count would cost a scan (a name prefix over a city's persons).
    count_cap: int | None = None
    # The order a capped count walks, when an index serves it better than the planner's own pick
    # (SQLite without range statistics counted a name prefix over the district's whole path range:
    # 80 ms at 285,000 persons, against a few on the (name, id) index). Unordered by default.
    count_order: tuple[str, ...] = ()
    # What the shown (or exported) rows need beyond the count: per-row tallies, joins. Applied to the
    # page query only, so the COUNT stays a plain count over the filtered rows.
    decorate: Callable[[QuerySet[Any]], QuerySet[Any]] | None = None


@dataclass
class ActiveFilter:
    filter: Filter
    value: str

    @property
    def options(self) -> SafeString:
        """The filter's ``<option>`` elements, the chosen one selected: built here in one pass, since a
        template loop over a city's villages and grids cost more than the list's queries."""
        chosen = self.value
        return mark_safe(  # every value and label is escaped here
            "".join(
                f'<option value="{escape(value)}"{" selected" if value == chosen else ""}>'
                f"{escape(label)}</option>"
                for value, label in self.filter.choices
            )
        )

    @property
    def shown(self) -> str:
        """The chosen value as the list offers it (its label, never the code)."""
        return next((str(label) for value, label in self.filter.choices if value == self.value), self.value)


@dataclass
class ListPage:
    rows: list[Any]
    total: int
    page: int
    pages: int
    page_size: int
    first: int
    last: int
    sort: str
    filters: list[ActiveFilter]
    sorts: Sequence[Sort]
    bulk_actions: Sequence[tuple[str, Any]]
    query: dict[str, str] = field(default_factory=dict)
    capped: bool = False
    keep: Sequence[str] = ()

    @property
    def kept(self) -> list[tuple[str, str]]:
        """The carried-through parameters (hidden in the filter form)."""
        return [(name, self.query[name]) for name in self.keep if name in self.query]

    @property
    def range_text(self) -> str:
        if not self.total:
            return _("No items")
        text = _("Items %(first)s–%(last)s of more than %(total)s") if self.capped else None
        return (text or _("Items %(first)s–%(last)s of %(total)s")) % {
            "first": f"{self.first:,}",
            "last": f"{self.last:,}",
            "total": f"{self.total:,}",
        }

    def url(self, **changes: Any) -> str:
        """This list's query string with some parameters changed (``None`` drops one)."""
        query = {**self.query, **{k: str(v) for k, v in changes.items() if v is not None}}
        for key, value in changes.items():
            if value is None:
                query.pop(key, None)
        return "?" + urlencode(query)

    @property
    def previous_url(self) -> str:
        return self.url(page=self.page - 1) if self.page > 1 else ""

    @property
    def next_url(self) -> str:
        return self.url(page=self.page + 1) if self.page < self.pages else ""

    @property
    def export_url(self) -> str:
        return self.url(export="xlsx", page=None)

    def sort_url(self, key: str) -> str:
        return self.url(sort=key, page=None)


def _int(value: str | None, default: int) -> int:
    return int(value) if value and value.isdigit() and len(value) < 9 else default


def chosen(request: HttpRequest, spec: ListSpec) -> tuple[list[tuple[ActiveFilter, Q | None]], Sort]:
    """The request's filters as the spec offers them (each with its condition) and its sort."""
    active: list[tuple[ActiveFilter, Q | None]] = []
    for item in spec.filters:
        value = request.GET.get(item.name, item.default)
        condition = item.apply(value) if value else None
        if condition is None and value and item.default and value != item.default:
            value = item.default  # a value not offered falls back to the default, never an error
            condition = item.apply(value)
        active.append((ActiveFilter(item, value if condition is not None else ""), condition))
    sorts = {s.key: s for s in spec.sorts}
    return active, sorts.get(request.GET.get("sort", "")) or spec.sorts[0]


def filtered(
    request: HttpRequest, queryset: QuerySet[Any], spec: ListSpec, *, counting: bool = False
) -> tuple[QuerySet[Any], list, str]:
    """The queryset with the request's filters and sort applied, the active filters, the sort key.
    ``counting``: each filter's condition in its count shape (``Filter.count_apply``), same rows."""
    active, sort = chosen(request, spec)
    for chosen_filter, condition in active:
        if condition is not None and counting and chosen_filter.filter.count_apply is not None:
            condition = chosen_filter.filter.count_apply(chosen_filter.value)
        if condition is not None:
            queryset = queryset.filter(condition)
    return queryset.order_by(*sort.order_by, "pk"), [a for a, _c in active], sort.key


def _rows(queryset: QuerySet[Any], spec: ListSpec) -> QuerySet[Any]:
    return spec.decorate(queryset) if spec.decorate else queryset


def _size_and_page(request: HttpRequest) -> tuple[int, int]:
    size = _int(request.GET.get("size"), DEFAULT_PAGE_SIZE)
    return (size if size in PAGE_SIZES else DEFAULT_PAGE_SIZE), max(1, _int(request.GET.get("page"), 1))


def _page(
    request: HttpRequest,
    spec: ListSpec,
    active: list[ActiveFilter],
    sort: str,
    *,
    total: int,
    capped: bool,
    rows_at: Callable[[int, int], list[Any]],
) -> ListPage:
    size, asked = _size_and_page(request)
    pages = max(1, -(-total // size))
    page = min(asked, pages)
    offset = (page - 1) * size
    rows = rows_at(offset, size)
    query = {name: request.GET[name] for name in spec.keep if request.GET.get(name)}
    query.update({f.filter.name: f.value for f in active if f.value != f.filter.default})
    if sort != spec.sorts[0].key:
        query["sort"] = sort
    if size != DEFAULT_PAGE_SIZE:
        query["size"] = str(size)
    if page > 1:
        query["page"] = str(page)
    return ListPage(
        rows=rows,
        total=total,
        page=page,
        pages=pages,
        page_size=size,
        first=offset + 1 if rows else 0,
        last=offset + len(rows),
        sort=sort,
        filters=active,
        sorts=spec.sorts,
        bulk_actions=spec.bulk_actions,
        query=query,
        capped=capped,
        keep=spec.keep,
    )


def _count_cap(spec: ListSpec, active: list[ActiveFilter]) -> int | None:
    caps = [spec.count_cap] + [a.filter.count_cap for a in active if a.value]
    return min((cap for cap in caps if cap), default=None)


def build_list(request: HttpRequest, queryset: QuerySet[Any], spec: ListSpec) -> ListPage:
    scoped = queryset
    queryset, active, sort = filtered(request, scoped, spec)
    counted = queryset
    if any(a.value and a.filter.count_apply is not None for a in active):
        counted = filtered(request, scoped, spec, counting=True)[0]
    capped = False
    cap = _count_cap(spec, active)
    if cap:
        # Unordered unless the spec names an index-served order: the database stops at the cap in
        # whatever order is cheapest (an ORDER BY no index serves made it sort every match first).
        total = counted.order_by(*spec.count_order)[: cap + 1].count()
        capped = total > cap
        total = min(total, cap)
    else:
        total = counted.count()
    return _page(
        request,
        spec,
        active,
        sort,
        total=total,
        capped=capped,
        rows_at=lambda offset, size: list(_rows(queryset, spec)[offset : offset + size]),
    )


# A merged list reads every source again up to the page's end: paging stops this far in.
MERGED_PAGE_LIMIT = 2000


def build_merged_list(
    request: HttpRequest,
    spec: ListSpec,
    read: Callable[[dict[str, str], int], tuple[list[Any], int]],
) -> ListPage:
    """A list merged from several sources that is no single queryset (the supervision list). ``read``
    gets the chosen filter values and a limit and answers the merged rows in order (each source read
    up to the limit, so page *p* costs each source one query of *p × size* rows) and the full total.
    Past :data:`MERGED_PAGE_LIMIT` rows the pager stops ("more than")."""
    active, sort = chosen(request, spec)
    values = {a.filter.name: a.value for a, _c in active if a.value}
    size, asked = _size_and_page(request)
    limit = min(asked * size, MERGED_PAGE_LIMIT)
    items, total = read(values, limit)
    capped = total > MERGED_PAGE_LIMIT
    return _page(
        request,
        spec,
        [a for a, _c in active],
        sort.key,
        total=min(total, MERGED_PAGE_LIMIT),
        capped=capped,
        rows_at=lambda offset, size: items[offset : offset + size],
    )


def export_merged(
    actor: Any,
    request: HttpRequest,
    spec: ListSpec,
    read: Callable[[dict[str, str], int], tuple[list[Any], int]],
) -> HttpResponse:
    """A merged list's export: each source read up to ``EXPORT_LIMIT``, logged like any other."""
    active, sort = chosen(request, spec)
    values = {a.filter.name: a.value for a, _c in active if a.value}
    items, _total = read(values, EXPORT_LIMIT)
    rows = [[column.value(row) for column in spec.columns] for row in items[:EXPORT_LIMIT]]
    return _export(actor, rows, spec, [a for a, _c in active], sort.key)


def export_response(
    actor: Any, request: HttpRequest, queryset: QuerySet[Any], spec: ListSpec
) -> HttpResponse:
    """The filtered list as xlsx (the spec's masked columns, at most ``EXPORT_LIMIT`` rows), logged as
    a personal-data export with the filters used."""
    queryset, active, sort = filtered(request, queryset, spec)
    rows = [[column.value(row) for column in spec.columns] for row in _rows(queryset, spec)[:EXPORT_LIMIT]]
    return _export(actor, rows, spec, active, sort)


def _export(
    actor: Any, rows: list[list[Any]], spec: ListSpec, active: list[ActiveFilter], sort: str
) -> HttpResponse:
    from hongyixing.exchange.writers import write_xlsx

    buffer = io.BytesIO()
    write_xlsx(
        buffer,
        [str(column.label) for column in spec.columns],
        rows,
        sheet_name=str(spec.export_reason or spec.export_name)[:31],
        meta={
            _("Exported by"): str(actor),
            _("Exported at"): timezone.localtime().strftime("%Y-%m-%d %H:%M"),
            _("Filters"): "; ".join(f"{f.filter.label}: {f.shown}" for f in active if f.value) or "—",
        },
    )
    audit.log_pii_access(
        actor,
        PiiAccessKind.EXPORT,
        spec.export_name,
        str(spec.export_reason or spec.export_name),
        detail={
            "rows": len(rows),
            "filters": {f.filter.name: f.value for f in active if f.value},
            "sort": sort,
        },
    )
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = content_disposition(
        f"{spec.export_reason or spec.export_name}.xlsx", f"{spec.export_name}.xlsx"
    )
    return response


def selected_ids(request: HttpRequest, limit: int = 500) -> list[int]:
    """The ids ticked in a bulk form (``ids``), as integers, at most ``limit``."""
    return [int(v) for v in request.POST.getlist("ids") if v.isdigit() and len(v) < 12][:limit]
