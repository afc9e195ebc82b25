"""Pages of control measures: the measure and its team, my people today (fast household entry),
alerts, tests, sites with their room boards, transfers, inbound arrivals, the release notice, and
the person's own self-report page. Thin faces over services and queries."""

from __future__ import annotations

import io
import uuid
from collections.abc import Callable
from functools import partial
from typing import Any

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hongyixing.accounts.permissions import roles_of
from hongyixing.control import forms, queries, schedule, services, worklists
from hongyixing.control.choices import (
    SUITABILITY_ITEMS,
    AlertState,
    CheckSource,
    MeasureCategory,
    MeasureState,
    MeasureType,
    Slot,
    Symptom,
    TeamRole,
    TransferReason,
)
from hongyixing.control.documents import HOME_MEASURES, home_notice_docx, release_notice_docx
from hongyixing.control.models import (
    Alert,
    Measure,
    Sample,
    SelfReportLink,
)
from hongyixing.core import lists, offline
from hongyixing.core.bounds import parse_key
from hongyixing.core.crypto import unseal
from hongyixing.core.downloads import content_disposition
from hongyixing.core.errors import DomainError
from hongyixing.core.scope import scope_for
from hongyixing.exchange.errors import ExchangeError
from hongyixing.people.models import Person

MAX_UPLOAD_BYTES = 10 * 2**20


def _run(request: HttpRequest, action: Callable[[], Any], done: str | None = None) -> Any:
    """Call a service; a refusal becomes a plain-language message on the page it came from."""
    try:
        result = action()
    except DomainError as error:
        messages.error(request, error.message)
        for row in error.errors[:20]:
            messages.error(request, f"{row.get('row') or row.get('index', '')}: {row['message']}")
        return None
    offline.mark_saved(request)
    if done:
        messages.success(request, done)
    return result if result is not None else True


def _form(request: HttpRequest, form_class: type[Any], **kwargs: Any) -> Any:
    """The POST parsed by its form, or None (with the form's complaint as a message)."""
    form = form_class(request.POST, request.FILES or None, **kwargs)
    if form.is_valid():
        return form
    errors = "；".join(str(e) for field_errors in form.errors.values() for e in field_errors)
    messages.error(request, _("Check the form: %(errors)s") % {"errors": errors})
    return None


def _parsed(request: HttpRequest, form_class: type[Any], **kwargs: Any) -> dict[str, Any] | None:
    form = _form(request, form_class, **kwargs)
    return None if form is None else form.cleaned_data


def _safe_next(request: HttpRequest, fallback: str) -> str:
    """The page to return to: only a path on this site, never another host."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return fallback


def _int(value: str | None, default: int = 0) -> int:
    """A form number; anything else (or one too large for a key) is the default, never a 500."""
    if value is None or str(value).strip() == "":
        return default
    parsed = parse_key(value)
    return default if parsed is None else parsed


# ---------------------------------------------------------------------------------------------
# Measures


def _export_or_none(
    request: HttpRequest, spec: Any, queryset_for: Callable[[str], Any]
) -> HttpResponse | None:
    """``?export=xlsx``: the filtered list in the user's export scope (masked, logged); else None."""
    if request.GET.get("export") != "xlsx":
        return None
    if scope_for(request.user, "export").is_empty:
        raise PermissionDenied
    return lists.export_response(request.user, request, queryset_for("export"), spec)


def _can_export(request: HttpRequest) -> bool:
    return not scope_for(request.user, "export").is_empty


@login_required
def measure_list(request: HttpRequest) -> HttpResponse:
    spec = worklists.measure_spec(request.user)
    queryset_for = partial(worklists.measure_queryset, request.user)
    exported = _export_or_none(request, spec, queryset_for)
    if exported is not None:
        return exported
    return render(
        request,
        "control/measures.html",
        {
            "list": lists.build_list(request, queryset_for("view"), spec),
            "can_export": _can_export(request),
            "today": timezone.localdate(),
        },
    )


def _visible(request: HttpRequest, measure_id: int) -> Measure:
    return get_object_or_404(queries.visible_measure(request.user), pk=measure_id)


def _self_report_url(request: HttpRequest, measure: Measure) -> tuple[str, str] | None:
    link = SelfReportLink.objects.filter(measure=measure, revoked_at__isnull=True).first()
    if link is None or not measure.is_active:
        return None
    url = request.build_absolute_uri(reverse("self_report", args=[unseal(link.token_sealed)]))
    buffer = io.BytesIO()
    qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=6).save(buffer)
    return url, buffer.getvalue().decode()


@login_required
def measure_detail(request: HttpRequest, measure_id: int) -> HttpResponse:
    measure = _visible(request, measure_id)
    can_manage = services.can_manage(request.user, measure)
    link = _self_report_url(request, measure) if can_manage else None
    return render(
        request,
        "control/measure.html",
        {
            "measure": measure,
            "person": measure.person,
            "team": measure.team.select_related("user").order_by("id"),
            "days": queries.check_grid(measure),
            "samples": measure.samples.order_by("due_date", "id"),
            "alerts": measure.alerts.order_by("-created_at")[:20],
            "stay": measure.stays.filter(checked_out_at__isnull=True).select_related("room__site").first(),
            "can_manage": can_manage and measure.is_active,
            "blockers": services.release_blockers(measure),
            "link": link,
            "suitability_items": [(k, v, measure.suitability.get(k)) for k, v in SUITABILITY_ITEMS.items()],
            "types": [t for t in MeasureType.choices if t[0] != measure.type],
            "team_roles": TeamRole.choices,
            "team_candidates": _team_candidates(measure) if can_manage and measure.is_active else [],
            "symptoms": Symptom.choices,
            "client_id": uuid.uuid4(),
            "slot": schedule.slot_at(timezone.localtime(), settings.CHECK_MORNING_CUTOFF),
            "slots": Slot.choices,
            "sites": queries.sites(request.user) if measure.type == MeasureType.CENTRAL_ISOLATION else [],
            "transfer_reasons": TransferReason.choices,
            "is_office": request.user.is_superuser or "district_office" in roles_of(request.user),
            "can_confirm": bool(services.CONFIRM_ROLES & roles_of(request.user)) or request.user.is_superuser,
        },
    )


@login_required
def measure_open(request: HttpRequest, person_id: int) -> HttpResponse:
    person = get_object_or_404(Person.objects.restrict(request.user), pk=person_id)
    data = _parsed(request, forms.MeasureOpenForm) if request.method == "POST" else None
    if data is not None:
        spec = services.MeasureSpec(
            type=data["type"],
            category=data["category"] or MeasureCategory.GENERAL,
            source="contact" if data["source"] == "contact" else "manual",
            reason=data["reason"],
            arrival=data["arrival"],
            last_exposure=data["last_exposure"],
        )
        measure = _run(
            request, lambda: services.do_open_measure(request.user, person, spec), _("Measure opened.")
        )
        if measure:
            return redirect("control:measure", measure_id=measure.pk)
    return render(
        request,
        "control/open.html",
        {
            "person": person,
            "types": MeasureType.choices,
            "categories": MeasureCategory.choices,
            "active": person.measures.filter(state=MeasureState.ACTIVE).first(),
        },
    )


# Each action of the measure page: the form that parses its POST and the service it calls.
MeasureAction = tuple[type[Any] | None, Callable[[Any, Measure, dict[str, Any]], Any]]
MEASURE_ACTIONS: dict[str, MeasureAction] = {
    "suitability": (
        forms.SuitabilityForm,
        lambda u, m, d: services.do_record_suitability(u, m, {k: k in d["items"] for k in SUITABILITY_ITEMS}),
    ),
    "notice": (forms.NoticeForm, lambda u, m, d: services.do_sign_notice(u, m, d["signed_by"])),
    "extend": (
        forms.ExtendForm,
        lambda u, m, d: services.do_extend(u, m, d["days"], d["reason"], d["version"] or None),
    ),
    "end_early": (
        forms.EndEarlyForm,
        lambda u, m, d: services.do_end_early(u, m, d["reason"], d["version"] or None),
    ),
    "convert": (forms.ConvertForm, lambda u, m, d: services.do_convert(u, m, d["type"], d["reason"])),
    "transfer_out": (
        forms.TransferOutForm,
        lambda u, m, d: services.do_request_transfer_out(u, m, d["destination"], d["reason"]),
    ),
    "approve_transfer_out": (None, lambda u, m, d: services.do_decide_transfer_out(u, m, True)),
    "reject_transfer_out": (None, lambda u, m, d: services.do_decide_transfer_out(u, m, False)),
    "team": (
        forms.TeamForm,
        lambda u, m, d: services.do_set_team_member(u, m, d["role"], d["user"], d["name"], d["duty"]),
    ),
    "propose_release": (None, lambda u, m, d: services.do_propose_release(u, m)),
    "confirm_release": (None, lambda u, m, d: services.do_confirm_release(u, m)),
    "check": (
        forms.CheckForm,
        lambda u, m, d: services.do_record_checks(
            u,
            [
                services.CheckInput(
                    client_id=d["client_id"],
                    measure_id=m.pk,
                    temperature=d["temperature"] or None,
                    symptoms=d["symptoms"],
                    slot=d["slot"] or None,
                )
            ],
            CheckSource.TEAM,
        ),
    ),
}


def _team_candidates(measure: Measure) -> Any:
    return services.team_candidates(measure.unit_path, measure.grid_id)


@login_required
@require_POST
def measure_action(request: HttpRequest, measure_id: int) -> HttpResponse:
    measure = _visible(request, measure_id)
    chosen = MEASURE_ACTIONS.get(request.POST.get("action", ""))
    if chosen is None:
        messages.error(request, _("Unknown action."))
        return redirect("control:measure", measure_id=measure.pk)
    form_class, action = chosen
    extra = {"candidates": _team_candidates(measure)} if form_class is forms.TeamForm else {}
    data = _parsed(request, form_class, **extra) if form_class else {}
    if data is None:
        return redirect("control:measure", measure_id=measure.pk)
    result = _run(request, lambda: action(request.user, measure, data), _("Saved."))
    if isinstance(result, Measure) and result.pk != measure.pk:
        return redirect("control:measure", measure_id=result.pk)
    if request.POST.get("action") == "confirm_release" and result:
        follow = measure.next_measures.filter(state=MeasureState.ACTIVE).first()
        if follow is not None:
            messages.info(request, _("The follow-on measure has opened."))
    return redirect("control:measure", measure_id=measure.pk)


@login_required
def home_notice(request: HttpRequest, measure_id: int) -> HttpResponse:
    """The 居家隔离告知书 handed over when a home measure opens (Word, to print and sign)."""
    measure = _visible(request, measure_id)
    if measure.type not in HOME_MEASURES:
        raise Http404
    response = HttpResponse(
        home_notice_docx(measure),
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    response["Content-Disposition"] = content_disposition(
        f"{measure.get_type_display()}告知书-{measure.pk}.docx", f"home-notice-{measure.pk}.docx"
    )
    return response


@login_required
def release_notice(request: HttpRequest, measure_id: int) -> HttpResponse:
    measure = _visible(request, measure_id)
    if measure.state != MeasureState.RELEASED or not measure.release_number:
        messages.error(request, _("The release notice exists once the release is confirmed."))
        return redirect("control:measure", measure_id=measure.pk)
    response = HttpResponse(
        release_notice_docx(measure),
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    response["Content-Disposition"] = content_disposition(
        f"解除隔离告知书-{measure.release_number}.docx", f"release-{measure.pk}.docx"
    )
    return response


# ---------------------------------------------------------------------------------------------
# My people today


@login_required
def today(request: HttpRequest) -> HttpResponse:
    rows = queries.my_people_today(request.user)
    households: dict[Any, list[queries.DueRow]] = {}
    for row in rows:
        households.setdefault(row.measure.household_id or f"p{row.measure.pk}", []).append(row)
    now = timezone.localtime()
    return render(
        request,
        "control/today.html",
        {
            "households": list(households.values()),
            "count": len(rows),
            "slot": schedule.slot_at(now, settings.CHECK_MORNING_CUTOFF),
            "slots": Slot.choices,
            "symptoms": Symptom.choices,
            "batch_id": uuid.uuid4().hex,
            "alerts": queries.alerts(request.user)[:10],
        },
    )


@login_required
@require_POST
def record_checks(request: HttpRequest) -> HttpResponse:
    """A household's checks in one submission. Each person's row carries a client id derived from
    the form's batch id, so submitting the same form twice stores nothing twice."""
    form = _form(request, forms.HouseholdChecksForm)
    if form is None:
        return redirect("control:today")
    batch = form.cleaned_data["batch_id"]
    slot = form.cleaned_data["slot"] or None
    items = []
    for measure_id, temperature, symptoms in form.rows():
        if not temperature and not symptoms:
            continue
        try:
            client_id = uuid.uuid5(uuid.UUID(hex=batch), measure_id)
        except ValueError:
            messages.error(request, _("The form is out of date; reload the page."))
            return redirect("control:today")
        items.append(
            services.CheckInput(
                client_id=str(client_id),
                measure_id=_int(measure_id),
                temperature=temperature or None,
                symptoms=symptoms,
                slot=slot,
            )
        )
    if not items:
        messages.error(request, _("Enter at least one temperature."))
        return redirect("control:today")
    results = _run(request, lambda: services.do_record_checks(request.user, items, CheckSource.TEAM))
    if results:
        abnormal = sum(1 for r in results if r.abnormal)
        messages.success(request, _("%(count)d check(s) recorded.") % {"count": len(results)})
        if abnormal:
            messages.warning(
                request,
                _("%(count)d abnormal: the team is alerted and a fever-clinic transfer is ordered.")
                % {"count": abnormal},
            )
    return redirect("control:today")


# ---------------------------------------------------------------------------------------------
# Alerts


@login_required
def alert_list(request: HttpRequest) -> HttpResponse:
    """The alert list; a POST is its bulk step (acknowledge or close the ticked alerts)."""
    if request.method == "POST":
        return _alerts_bulk(request)
    spec = worklists.alert_spec(request.user)
    queryset_for = partial(worklists.alert_queryset, request.user)
    exported = _export_or_none(request, spec, queryset_for)
    if exported is not None:
        return exported
    return render(
        request,
        "control/alerts.html",
        {"list": lists.build_list(request, queryset_for("view"), spec), "can_export": _can_export(request)},
    )


def _alerts_bulk(request: HttpRequest) -> HttpResponse:
    state = request.POST.get("action", "")
    ids = lists.selected_ids(request)
    back = request.POST.get("back", "")
    target = reverse("control:alerts") + (back if back.startswith("?") else "")
    if state not in (AlertState.ACKNOWLEDGED, AlertState.CLOSED) or not ids:
        messages.error(request, _("Tick the alerts and choose a step."))
        return redirect(target)
    chosen = Alert.objects.restrict(request.user).filter(pk__in=ids).select_related("measure", "transfer")
    result = _run(
        request,
        lambda: services.do_handle_alerts(
            request.user, list(chosen.order_by("id")), state, request.POST.get("note", "")
        ),
    )
    if result:
        done, refused = result
        refused += len(ids) - done - refused
        messages.success(request, _("%(count)d alerts handled.") % {"count": done})
        if refused:
            messages.warning(request, _("%(count)d alerts could not be handled.") % {"count": refused})
    return redirect(target)


@login_required
@require_POST
def alert_handle(request: HttpRequest, alert_id: int) -> HttpResponse:
    alert = get_object_or_404(Alert.objects.restrict(request.user), pk=alert_id)
    data = _parsed(request, forms.AlertForm)
    if data is not None:
        _run(
            request,
            lambda: services.do_handle_alert(request.user, alert, data["state"], data["note"]),
            _("Saved."),
        )
    return redirect(_safe_next(request, reverse("control:alerts")))


# ---------------------------------------------------------------------------------------------
# Tests


@login_required
def tests(request: HttpRequest) -> HttpResponse:
    sheet = _parsed(request, forms.ResultSheetForm) if request.method == "POST" else None
    upload: Any = sheet["file"] if sheet else None
    if upload is not None:
        if upload.size and upload.size > MAX_UPLOAD_BYTES:
            messages.error(request, _("The file is larger than 10 MB."))
        else:
            from hongyixing.control.results import read_results

            try:
                rows = read_results(upload.read(), upload.name or "")
            except ExchangeError as refusal:
                messages.error(request, refusal.message)
            else:
                outcome = _run(request, lambda: services.do_import_results(request.user, rows))
                if outcome:
                    messages.success(
                        request,
                        _("%(applied)d result(s) applied, %(positive)d positive.") % outcome,
                    )
        return redirect("control:tests")
    spec = worklists.sample_spec(request.user)
    queryset_for = partial(worklists.sample_queryset, request.user)
    exported = _export_or_none(request, spec, queryset_for)
    if exported is not None:
        return exported
    return render(
        request,
        "control/tests.html",
        {"list": lists.build_list(request, queryset_for("view"), spec), "can_export": _can_export(request)},
    )


@login_required
@require_POST
def sample_action(request: HttpRequest, sample_id: int) -> HttpResponse:
    sample = get_object_or_404(Sample.objects.restrict(request.user), pk=sample_id)
    data = _parsed(request, forms.SampleForm)
    if data is None:
        pass
    elif data["action"] == "result":
        _run(
            request,
            lambda: services.do_record_result(request.user, sample, data["result"], data["lab"]),
            _("Saved."),
        )
    else:
        _run(
            request,
            lambda: services.do_record_sampling(
                request.user, sample, data["barcode"], data["sampler"], data["site"], data["pool"]
            ),
            _("Saved."),
        )
    return redirect(_safe_next(request, reverse("control:tests")))
