"""CDC pages (cases, investigation, chains, forwarding) and the contacts page of the grid.

Thin faces: forms parse, services decide. Case pages answer 404 to anyone who does not read cases,
the same as a case out of scope; the contacts page shows people, never the case behind them."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hongyixing.cases import chain, queries, services
from hongyixing.cases.choices import TRANSITIONS, CaseSource, Classification, ContactCategory, ContactState
from hongyixing.cases.forms import CaseEditForm, CaseForm, ClassifyForm, ContactForm, EntryForm, JudgeForm
from hongyixing.cases.models import Case
from hongyixing.control.models import Sample
from hongyixing.core.errors import DomainError, NotFound
from hongyixing.exchange.writers import write_xlsx
from hongyixing.people.models import Person

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _case(request: HttpRequest, case_id: int) -> Case:
    try:
        return services.case_for(request.user, case_id)
    except NotFound as error:
        raise Http404 from error


def _readers_only(request: HttpRequest) -> Any:
    if not services.reads_cases(request.user):
        raise Http404
    return services.cases_for(request.user)


def _run(request: HttpRequest, action: Callable[[], Any], done: str = "") -> Any:
    """Call a service; a refusal becomes a message on the page it came from (404 stays 404)."""
    try:
        result = action()
    except NotFound as error:
        raise Http404 from error
    except DomainError as error:
        messages.error(request, str(error.message))
        return None
    if done:
        messages.success(request, done)
    return result if result is not None else True


def _form_errors(request: HttpRequest, form: Any) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}: {error}" if label else str(error))


@login_required
def case_list(request: HttpRequest) -> HttpResponse:
    cases = _readers_only(request).select_related("person", "grid")
    classification = request.GET.get("classification", "")
    source = request.GET.get("source", "")
    if classification in Classification.values:
        cases = cases.filter(classification=classification)
    if source in CaseSource.values:
        cases = cases.filter(source=source)
    page = Paginator(cases.order_by("-report_date", "-id"), 50).get_page(request.GET.get("page"))
    proposals = (
        Sample.objects.restrict(request.user, "view")
        .filter(status="positive")
        .exclude(person__case__isnull=False)
        .select_related("person")
        .order_by("-result_at")[:50]
    )
    return render(
        request,
        "cases/list.html",
        {
            "page": page,
            "classification": classification,
            "source": source,
            "classifications": Classification.choices,
            "sources": CaseSource.choices,
            "proposals": proposals,
            "classifies": services.classifies(request.user),
        },
    )


@login_required
def case_new(request: HttpRequest, person_id: int) -> HttpResponse:
    _readers_only(request)
    person = Person.objects.restrict(request.user, "view").filter(pk=person_id).first()
    if person is None:
        raise Http404
    form = CaseForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            spec = services.CaseSpec(**form.cleaned_data)
            case = _run(request, lambda: services.do_open_case(request.user, person, spec), _("Case opened."))
            if case:
                return redirect("cases:case", case.pk)
        else:
            _form_errors(request, form)
    return render(request, "cases/new.html", {"person": person, "form": form})


@login_required
@require_POST
def propose(request: HttpRequest, sample_id: int) -> HttpResponse:
    _readers_only(request)
    sample = (
        Sample.objects.restrict(request.user, "view").filter(pk=sample_id).select_related("person").first()
    )
    if sample is None:
        raise Http404
    if not services.classifies(request.user):
        messages.error(request, _("Only CDC staff classify cases."))
        return redirect("cases:list")
    case = _run(
        request, lambda: services.do_propose_from_sample(request.user, sample), _("Proposed as a case.")
    )
    return redirect("cases:case", case.pk) if case else redirect("cases:list")


@login_required
def case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _case(request, case_id)
    initial = {name: getattr(case, name) for name in services.EDITABLE} | {"version": case.version}
    return render(
        request,
        "cases/case.html",
        {
            "case": case,
            "changes": case.changes.select_related("by").order_by("at"),
            "classify_form": ClassifyForm(initial={"version": case.version}),
            "edit_form": CaseEditForm(initial=initial),
            "classifies": services.classifies(request.user),
            "next_steps": [(c, Classification(c).label) for c in sorted(TRANSITIONS[case.classification])],
            "contacts": case.contacts.count(),
            "infected": case.infected.select_related("person").order_by("id"),
        },
    )


@login_required
@require_POST
def classify(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _case(request, case_id)
    form = ClassifyForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        _run(
            request,
            lambda: services.do_classify(
                request.user,
                case,
                data["to"],
                on=data["on"],
                note=data["note"],
                expected_version=data["version"],
            ),
            _("Classification recorded."),
        )
    else:
        _form_errors(request, form)
    return redirect("cases:case", case.pk)


@login_required
@require_POST
def update(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _case(request, case_id)
    form = CaseEditForm(request.POST)
    if form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        _run(request, lambda: services.do_update_case(request.user, case, version, **data), _("Saved."))
    else:
        _form_errors(request, form)
    return redirect("cases:case", case.pk)


def _contact_form(case: Case, data: Any = None) -> ContactForm:
    entries = [
        (e.pk, f"{e.date:%m-%d} {e.start_time:%H:%M} {e.place}")
        for e in case.itinerary.order_by("date", "start_time")
    ]
    contacts = [(k.pk, k.person.name) for k in case.contacts.select_related("person").order_by("id")]
    return ContactForm(data, entries=entries, contacts=contacts)


@login_required
def investigation(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _case(request, case_id)
    contacts = list(case.contacts.select_related("person", "via__person", "entry").order_by("id"))
    return render(
        request,
        "cases/investigation.html",
        {
            "case": case,
            "itinerary": case.itinerary.order_by("date", "start_time"),
            "contacts": contacts,
            "entry_form": EntryForm(),
            "contact_form": _contact_form(case),
            "judge_form": JudgeForm(contact_ids=[k.pk for k in contacts]),
            "classifies": services.classifies(request.user),
        },
    )


@login_required
@require_POST
def add_entry(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _case(request, case_id)
    form = EntryForm(request.POST)
    if form.is_valid():
        spec = services.EntrySpec(**form.cleaned_data)
        _run(request, lambda: services.do_add_entry(request.user, case, spec), _("Place added."))
    else:
        _form_errors(request, form)
    return redirect("cases:investigation", case.pk)


@login_required
@require_POST
def add_contact(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _case(request, case_id)
    form = _contact_form(case, request.POST)
    if form.is_valid():
        spec = services.ContactSpec(**form.cleaned_data)
        _run(request, lambda: services.do_add_contacts(request.user, case, [spec]), _("Contact recorded."))
    else:
        _form_errors(request, form)
    return redirect("cases:investigation", case.pk)


@login_required
@require_POST
def judge(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _case(request, case_id)
    form = JudgeForm(request.POST, contact_ids=list(case.contacts.values_list("pk", flat=True)))
    if form.is_valid():
        data = form.cleaned_data
        result = _run(
            request,
            lambda: services.do_judge_contacts(
                request.user, case, data["contacts"], data["category"], data["action"]
            ),
        )
        if result:
            messages.success(
                request,
                _(
                    "Judged %(judged)d; tasks %(tasks)d, measures %(measures)d, forwarded %(forwarded)d, "
                    "unchanged %(unchanged)d."
                )
                % result.as_dict(),
            )
            for _pk, reason in result.skipped:
                messages.warning(request, str(reason))
    else:
        _form_errors(request, form)
    return redirect("cases:investigation", case.pk)


@login_required
def co_presence(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _case(request, case_id)
    groups = queries.co_presence(case, services.cases_for(request.user))
    return render(request, "cases/co_presence.html", {"case": case, "groups": groups})


def _chain_nodes(request: HttpRequest, case: Case) -> list[queries.Node]:
    nodes = queries.chain_nodes(queries.chain_root(case), services.cases_for(request.user))
    start = request.GET.get("from", "")
    if start.isdigit():  # filter by source case: the subtree below it
        keep = {f"c{start}"}
        for n in chain.ordered(nodes):
            if n.parent in keep:
                keep.add(n.id)
        nodes = [n for n in nodes if n.id in keep]
        for n in nodes:
            if n.id == f"c{start}":
                n.parent = None
    return nodes


@login_required
def chain_page(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _case(request, case_id)
    view = "timeline" if request.GET.get("view") == "timeline" else "hierarchy"
    nodes = _chain_nodes(request, case)
    sources = [n for n in nodes if n.case_id is not None]
    return render(
        request,
        "cases/chain.html",
        {
            "case": case,
            "view": view,
            "svg": chain.svg(nodes, view),
            "count": len(nodes),
            "sources": sources,
            "start": request.GET.get("from", ""),
            "generations": max((n.generation for n in nodes), default=0),
        },
    )


def _xlsx(
    request: HttpRequest, headers: list[str], rows: list[list[object]], name: str, title: str
) -> HttpResponse:
    buffer = io.BytesIO()
    write_xlsx(
        buffer,
        headers,
        rows,
        sheet_name=title,
        meta={
            _("Exported by"): str(request.user),
            _("Exported at"): timezone.localtime().strftime("%Y-%m-%d %H:%M"),
        },
    )
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
def chain_export(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _case(request, case_id)
    headers = [_("generation"), _("name"), _("classification"), _("onset"), _("infected by")]
    return _xlsx(
        request, headers, chain.rows(_chain_nodes(request, case)), f"chain-{case.pk}.xlsx", _("Chain")
    )


@login_required
def clusters(request: HttpRequest) -> HttpResponse:
    cases = _readers_only(request)
    rows = queries.clusters(cases)[:500]
    roots = cases.select_related("person").in_bulk([r["chain"] for r in rows])
    for r in rows:
        r["root"] = roots.get(r["chain"])
    rows = [r for r in rows if r["root"] is not None]
    if request.GET.get("format") == "xlsx":
        headers = [_("first case"), _("cases"), _("generations"), _("first onset"), _("last onset")]
        data: list[list[object]] = [
            [r["root"].person.name, r["size"], r["generations"], r["first"] or "", r["last"] or ""]
            for r in rows
        ]
        return _xlsx(request, headers, data, "clusters.xlsx", _("Clusters"))
    return render(request, "cases/clusters.html", {"rows": rows})


@login_required
def contacts(request: HttpRequest) -> HttpResponse:
    """The contacts a user looks after. The index case is never selected: not its name, not a link."""
    listing = queries.contacts_in_care(request.user)
    category, state = request.GET.get("category", ""), request.GET.get("state", "")
    if category in ContactCategory.values and category:
        listing = listing.filter(category=category)
    if state in ContactState.values:
        listing = listing.filter(state=state)
    page = Paginator(listing, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "cases/contacts.html",
        {
            "page": page,
            "categories": ContactCategory.choices[1:],
            "states": ContactState.choices,
            "category": category,
            "state": state,
        },
    )


@login_required
def forwarding(request: HttpRequest) -> HttpResponse:
    cases = _readers_only(request)
    return render(request, "cases/forwarding.html", {"contacts": queries.forwarding_list(cases)[:500]})


def case_url(case: Case) -> str:
    return reverse("cases:case", args=[case.pk])
