"""Control-measure pages of places and movement: quarantine sites and their room boards, closed-loop
transfers, inbound arrivals, and the person's own self-report page (split from views.py)."""

from __future__ import annotations

import datetime as dt
import uuid
from functools import partial
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hongyixing.accounts.models import User
from hongyixing.control import forms, queries, services, worklists
from hongyixing.control.choices import (
    CheckSource,
    MeasureType,
    RoomStatus,
    SiteKind,
    Symptom,
    TeamRole,
)
from hongyixing.control.models import (
    Alert,
    InboundArrival,
    Room,
    SelfReportLink,
    Site,
    Stay,
    Transfer,
)
from hongyixing.control.views import _can_export, _export_or_none, _form, _parsed, _run
from hongyixing.core import lists, offline
from hongyixing.core.errors import DomainError
from hongyixing.core.ratelimit import allow
from hongyixing.core.scope import scope_for
from hongyixing.people.models import Person

# ---------------------------------------------------------------------------------------------
# Sites


def _site_manager_candidates(user: Any) -> Any:
    """Site managers of the places where the user may create a site (the form's choices; the
    service checks the pick against the site's own place)."""

    scope = scope_for(user, "change")
    if scope.everything:
        return User.objects.filter(is_active=True, grants__role__in=services.SITE_MANAGER_ROLES).distinct()
    wanted = Q(pk__in=[])
    for path in scope.unit_paths:
        wanted |= Q(pk__in=services.site_manager_candidates(path).values("pk"))
    return User.objects.filter(wanted).order_by("username")


@login_required
def site_list(request: HttpRequest) -> HttpResponse:
    managers = _site_manager_candidates(request.user)
    data = _parsed(request, forms.SiteForm, candidates=managers) if request.method == "POST" else None
    if data is not None:
        spec = services.SiteSpec(
            name=data["name"],
            kind=data["kind"] or SiteKind.HOTEL,
            address=data["address"],
            capacity=data["capacity"],
            manager_name=data["manager_name"],
            medical_staff=data["medical_staff"],
            unit_path=data["unit_path"],
            manager=data["manager"],
            rooms=data["rooms"],
        )
        site = _run(request, lambda: services.do_create_site(request.user, spec), _("Site created."))
        if site:
            return redirect("control:site", site_id=site.pk)
    can_create = scope_for(request.user, "change").unit_paths or request.user.is_superuser
    return render(
        request,
        "control/sites.html",
        {
            "sites": queries.sites(request.user),
            "kinds": SiteKind.choices,
            "can_create": can_create,
            "managers": managers if can_create else [],
            "default_path": (scope_for(request.user, "change").unit_paths or ("320813",))[0],
        },
    )


@login_required
def site_detail(request: HttpRequest, site_id: int) -> HttpResponse:
    site = get_object_or_404(Site.objects.restrict(request.user), pk=site_id)
    board = queries.site_board(site)
    can_change = site.in_scope(request.user, "change")
    return render(
        request,
        "control/site.html",
        {
            "site": site,
            "board": board,
            "counts": {s: sum(1 for b in board if b["room"].status == s) for s in RoomStatus.values},
            "statuses": RoomStatus.choices,
            "waiting": queries.awaiting_check_in(request.user, site)[:50] if can_change else [],
            "can_change": can_change,
            "symptoms": Symptom.choices,
            "batch_id": uuid.uuid4().hex,
        },
    )


@login_required
@require_POST
def site_action(request: HttpRequest, site_id: int) -> HttpResponse:
    site = get_object_or_404(Site.objects.restrict(request.user, "change"), pk=site_id)
    guests = list(
        Stay.objects.filter(room__site=site, checked_out_at__isnull=True).values_list("measure_id", flat=True)
    )
    data = _parsed(request, forms.SiteActionForm, guests=guests)
    action = data["action"] if data else None
    if data is None:
        pass
    elif action == "rooms":
        _run(request, lambda: services.do_add_rooms(request.user, site, data["rooms"]), _("Saved."))
    elif action == "status":
        room = get_object_or_404(Room, site=site, pk=data["room"])
        _run(
            request,
            lambda: services.do_set_room_status(request.user, room, data["status"]),
            _("Saved."),
        )
    elif action == "check_in":
        room = get_object_or_404(Room, site=site, pk=data["room"])
        # The people shown on the board: in the user's scope, or carried here by a transfer order.
        measure = get_object_or_404(queries.awaiting_check_in(request.user, site), pk=data["measure"])
        _run(request, lambda: services.do_check_in(request.user, measure, room), _("Checked in."))
    elif action == "check_out":
        stay = get_object_or_404(Stay, room__site=site, pk=data["stay"], checked_out_at__isnull=True)
        _run(
            request,
            lambda: services.do_check_out(request.user, stay, data["note"]),
            _("Checked out."),
        )
    elif action == "checks":
        try:
            batch = uuid.UUID(hex=data["batch_id"])
        except ValueError:
            messages.error(request, _("The form is out of date; reload the page."))
            return redirect("control:site", site_id=site.pk)
        items = [
            services.CheckInput(
                client_id=str(uuid.uuid5(batch, str(measure_id))),
                measure_id=measure_id,
                temperature=data[f"t{measure_id}"],
            )
            for measure_id in guests
            if data[f"t{measure_id}"]
        ]
        if items:
            _run(
                request,
                lambda: services.do_record_checks(request.user, items, CheckSource.SITE),
                _("%(count)d check(s) recorded.") % {"count": len(items)},
            )
    return redirect("control:site", site_id=site.pk)


# ---------------------------------------------------------------------------------------------
# Transfers


@login_required
def transfer_list(request: HttpRequest) -> HttpResponse:
    spec = worklists.transfer_spec(request.user)
    queryset_for = partial(worklists.transfer_queryset, request.user)
    exported = _export_or_none(request, spec, queryset_for)
    if exported is not None:
        return exported
    return render(
        request,
        "control/transfers.html",
        {
            "list": lists.build_list(request, queryset_for("view"), spec),
            "can_export": _can_export(request),
            "now": timezone.now(),
            "limit": settings.TRANSFER_OPEN_LOOP_MINUTES,
        },
    )


@login_required
@require_POST
def transfer_create(request: HttpRequest) -> HttpResponse:
    form = _form(request, forms.TransferCreateForm)
    if form is None:
        return redirect("control:transfers")
    data = form.cleaned_data
    ids = form.measure_ids()
    chosen = list(queries.visible_measure(request.user).filter(pk__in=ids))
    if len(chosen) != len(set(ids)) or not chosen:
        messages.error(request, _("Choose at least one person to carry."))
        return redirect("control:transfers")
    site = Site.objects.restrict(request.user).filter(pk=data["site"]).first()
    spec = services.TransferSpec(
        reason=data["reason"],
        from_place=data["from_place"] or chosen[0].person.current_address or "—",
        to_place=data["to_place"],
        to_site=site,
        scheduled_at=data["scheduled_at"] or timezone.now() + dt.timedelta(hours=2),
        vehicle_plate=data["plate"],
        driver=data["driver"],
        escort=data["escort"],
    )
    transfer = _run(
        request, lambda: services.do_create_transfer(request.user, spec, chosen), _("Transfer order created.")
    )
    if transfer:
        return redirect("control:transfer", transfer_id=transfer.pk)
    return redirect("control:measure", measure_id=chosen[0].pk)


@login_required
def transfer_detail(request: HttpRequest, transfer_id: int) -> HttpResponse:
    transfer = get_object_or_404(Transfer.objects.restrict(request.user), pk=transfer_id)
    return render(
        request,
        "control/transfer.html",
        {
            "transfer": transfer,
            "carried": transfer.carried.select_related("person", "measure"),
            "can_run": services.can_run_transfers(request.user, transfer.unit_path),
            "alerts": Alert.objects.filter(transfer=transfer).order_by("-created_at"),
        },
    )


@login_required
@require_POST
def transfer_action(request: HttpRequest, transfer_id: int) -> HttpResponse:
    transfer = get_object_or_404(Transfer.objects.restrict(request.user), pk=transfer_id)
    carried = list(transfer.carried.values_list("person_id", flat=True))
    post = _parsed(request, forms.TransferActionForm, carried=carried)
    if post is None:
        return redirect("control:transfer", transfer_id=transfer.pk)
    action = post["action"]
    if action == "pick_up":
        temps = {person_id: post[f"t{person_id}"] for person_id in carried}
        _run(
            request,
            lambda: services.do_pick_up(
                request.user,
                transfer,
                post.get("signed_by", ""),
                temps,
                post.get("plate", ""),
                post.get("driver", ""),
                post.get("escort", ""),
            ),
            _("Picked up."),
        )
    elif action == "hand_over":
        _run(
            request,
            lambda: services.do_hand_over(
                request.user, transfer, post.get("handed_by", ""), post.get("received_by", "")
            ),
            _("Handed over."),
        )
    elif action == "close":
        _run(
            request,
            lambda: services.do_close_transfer(request.user, transfer, post.get("disinfected_by", "")),
            _("Closed."),
        )
    elif action == "cancel":
        _run(
            request,
            lambda: services.do_cancel_transfer(request.user, transfer, post.get("reason", "")),
            _("Cancelled."),
        )
    return redirect("control:transfer", transfer_id=transfer.pk)


# ---------------------------------------------------------------------------------------------
# Inbound from abroad


@login_required
def inbound_list(request: HttpRequest) -> HttpResponse:
    arrivals = (
        InboundArrival.objects.restrict(request.user)
        .select_related("person", "liaison", "measure", "transfer")
        .order_by("-entry_date")[:200]
    )
    return render(request, "control/inbound.html", {"arrivals": arrivals})


@login_required
def inbound_register(request: HttpRequest, person_id: int) -> HttpResponse:
    person = get_object_or_404(Person.objects.restrict(request.user), pk=person_id)
    liaisons = services.team_candidates(person.unit_path, person.grid_id, TeamRole.LIAISON)
    data = _parsed(request, forms.InboundForm, candidates=liaisons) if request.method == "POST" else None
    if data is not None:
        spec = services.InboundSpec(
            entry_port=data["entry_port"],
            entry_date=data["entry_date"],
            liaison=data["liaison"],
            local_measure=data["local_measure"] or MeasureType.HOME_ISOLATION,
            nationality=data["nationality"] or "中国",
            flight=data["flight"],
            countries_14d=data["countries"],
            first_entry_place=data["first_entry_place"],
            first_entry_until=data["first_entry_until"],
        )
        arrival = _run(
            request, lambda: services.do_register_inbound(request.user, person, spec), _("Registered.")
        )
        if arrival:
            return redirect("control:measure", measure_id=arrival.measure_id)
    return render(
        request,
        "control/inbound_form.html",
        {"person": person, "types": MeasureType.choices, "liaisons": liaisons, "me": request.user.pk},
    )


# ---------------------------------------------------------------------------------------------
# The person's own self-report page (no login: the token is the key)

SELF_REPORT_LIMIT = 12


def self_report(request: HttpRequest, token: str) -> HttpResponse:
    link = (
        SelfReportLink.objects.filter(digest=services.token_digest(token), revoked_at__isnull=True)
        .select_related("measure__person")
        .first()
    )
    measure = link.measure if link else None
    today_local = timezone.localdate()
    if link is None or measure is None or not measure.is_active or today_local > measure.end_date:
        return render(request, "control/self_report.html", {"expired": True}, status=404)
    done = None
    if request.method == "POST":
        if not allow(f"selfreport:{link.pk}", SELF_REPORT_LIMIT, dt.timedelta(hours=1)):
            return render(request, "control/self_report.html", {"limited": True}, status=429)
        data = forms.SelfReportForm(request.POST)
        data.is_valid()  # every field optional: the service judges the values
        item = services.CheckInput(
            client_id=data.cleaned_data["client_id"],
            measure_id=measure.pk,
            temperature=data.cleaned_data["temperature"] or None,
            symptoms=data.cleaned_data["symptoms"],
        )
        try:
            done = services.do_record_checks(None, [item], CheckSource.SELF, self_measure=measure)[0]
            offline.mark_saved(request)
        except DomainError as error:
            messages.error(request, "；".join(e["message"] for e in error.errors) or error.message)
    recent = measure.checks.order_by("-day", "-recorded_at")[:6]
    return render(
        request,
        "control/self_report.html",
        {
            "measure": measure,
            "first_name": measure.person.name[:1] + "＊" * (len(measure.person.name) - 1),
            "done": done,
            "recent": recent,
            "symptoms": Symptom.choices,
            "client_id": uuid.uuid4(),
            "day_number": (today_local - measure.start_date).days + 1,
        },
    )
