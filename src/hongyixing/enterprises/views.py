"""Pages of enterprises: the register, an enterprise's own page (filing, staff, claims, problems), the
town's review and phone inspection, the claim desk and payment batches. Thin faces over services."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.uploadedfile import UploadedFile
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hongyixing.accounts.permissions import roles_of
from hongyixing.areas.models import AdminUnit
from hongyixing.core.errors import DomainError, NotFound
from hongyixing.enterprises import problems as problem_services
from hongyixing.enterprises import queries, services, staff, subsidies
from hongyixing.enterprises.choices import (
    CHECKLIST,
    ClaimKind,
    ClaimState,
    Department,
    FilingState,
    Industry,
    ProblemCategory,
)
from hongyixing.enterprises.models import (
    Attachment,
    Claim,
    Employee,
    Enterprise,
    Filing,
    PaymentBatch,
    Problem,
    contact_enterprise_ids,
)

MAX_UPLOAD = 10 * 2**20


def _run(request: HttpRequest, action: Callable[[], Any], done: str | None = None) -> Any:
    """Call a service; a refusal becomes a plain-language message on the page it came from."""
    try:
        result = action()
    except NotFound:
        raise Http404 from None
    except DomainError as error:
        messages.error(request, str(error.message))
        for row in error.errors[:20]:
            if "row" in row:
                messages.error(request, f"{row['row']}: {row['message']}")
        return None
    if done:
        messages.success(request, done)
    return result if result is not None else True


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _decimal(value: str | None) -> Decimal | None:
    try:
        number = Decimal((value or "").replace(",", "").strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _int(value: str | None) -> int:
    try:
        return int(value or 0)
    except ValueError:
        return 0


def _files(request: HttpRequest, name: str) -> list[tuple[str, str, bytes]]:
    return [
        (f.name or "file", f.content_type or "", f.read())
        for f in request.FILES.getlist(name)
        if f.size is not None and f.size <= MAX_UPLOAD
    ]


def _upload(request: HttpRequest) -> UploadedFile | None:
    found = request.FILES.get("file")
    return found if isinstance(found, UploadedFile) else None


def _towns() -> list[tuple[str, str]]:
    return list(AdminUnit.objects.filter(level="town").order_by("path").values_list("path", "name"))


def _enterprise(request: HttpRequest, enterprise_id: int, action: str = "view") -> Enterprise:
    return get_object_or_404(Enterprise.objects.restrict(request.user, action), pk=enterprise_id)


# ---------------------------------------------------------------------------------------------
# The register


@login_required
def enterprise_list(request: HttpRequest) -> HttpResponse:
    own = contact_enterprise_ids(request.user)
    if len(own) == 1 and not request.GET:
        return redirect("enterprises:enterprise", own[0])
    get = request.GET
    listing = queries.enterprises(
        request.user,
        unit_path=get.get("town", ""),
        industry=get.get("industry", ""),
        resumed=get.get("resumed", ""),
        above=get.get("above", ""),
    )
    return render(
        request,
        "enterprises/list.html",
        {
            "enterprises": listing[:300],
            "total": listing.count(),
            "towns": _towns(),
            "industries": Industry.choices,
            "filters": get,
            "can_register": request.user.is_superuser or bool(services.REVIEW_ROLES & roles_of(request.user)),
        },
    )


@login_required
def enterprise_new(request: HttpRequest) -> HttpResponse:
    if not (request.user.is_superuser or services.REVIEW_ROLES & roles_of(request.user)):
        raise Http404
    if request.method == "POST":
        post = request.POST
        spec = services.EnterpriseSpec(
            name=post.get("name", ""),
            credit_code=post.get("credit_code", ""),
            unit_path=post.get("unit_path", ""),
            industry=post.get("industry", ""),
            above_scale=post.get("above_scale") == "1",
            address=post.get("address", ""),
            legal_representative=post.get("legal_representative", ""),
            staff_count=_int(post.get("staff_count")),
        )
        made = _run(request, lambda: services.do_register_enterprise(request.user, spec), _("Registered."))
        if made:
            return redirect("enterprises:enterprise", made.pk)
    return render(request, "enterprises/new.html", {"towns": _towns(), "industries": Industry.choices})


@login_required
def enterprise_import(request: HttpRequest) -> HttpResponse:
    if not (request.user.is_superuser or services.REVIEW_ROLES & roles_of(request.user)):
        raise Http404
    result = None
    upload = _upload(request)
    if request.method == "POST" and upload is not None:
        result = _run(
            request,
            lambda: services.do_import_enterprises(request.user, upload.read(), upload.name or "file"),
        )
    return render(request, "enterprises/import.html", {"result": result if result is not True else None})


@login_required
def enterprise_detail(request: HttpRequest, enterprise_id: int) -> HttpResponse:
    enterprise = _enterprise(request, enterprise_id)
    filing = enterprise.filings.order_by("-id").first()
    employees = list(
        Employee.objects.restrict(request.user).filter(enterprise=enterprise).order_by("name")[:500]
    )
    return render(
        request,
        "enterprises/detail.html",
        {
            "enterprise": enterprise,
            "filing": filing,
            "staff": staff.staff_status(employees),
            "staff_total": Employee.objects.filter(enterprise=enterprise).count(),
            "claims": enterprise.claims.order_by("-id")[:50],
            "problems": enterprise.problems.order_by("-id")[:50],
            "reviewer": services.is_reviewer(request.user, enterprise.unit_path),
            "claim_kinds": ClaimKind.choices,
            "problem_categories": ProblemCategory.choices,
        },
    )


@login_required
@require_POST
def contact_add(request: HttpRequest, enterprise_id: int) -> HttpResponse:
    enterprise = _enterprise(request, enterprise_id)
    post = request.POST
    _run(
        request,
        lambda: services.do_add_contact(
            request.user,
            enterprise,
            post.get("username", ""),
            password=post.get("password", ""),
            display_name=post.get("display_name", ""),
        ),
        _("Contact added."),
    )
    return redirect("enterprises:enterprise", enterprise.pk)


# ---------------------------------------------------------------------------------------------
# Resumption filing


def _filing_input(request: HttpRequest) -> services.FilingInput:
    post = request.POST
    return services.FilingInput(
        checklist={key: post.get(f"item_{key}") == "1" for key, _label in CHECKLIST},
        plan_note=post.get("plan_note", ""),
        staff_planned=_int(post.get("staff_planned")),
        planned_date=_date(post.get("planned_date")),
    )


def _attach_and_submit(request: HttpRequest, filing: Filing) -> None:
    for name, content_type, content in _files(request, "attachments"):
        _run(request, lambda: services.do_attach_to_filing(request.user, filing, name, content_type, content))  # noqa: B023
    if request.POST.get("submit") == "1":
        _run(request, lambda: services.do_submit_filing(request.user, filing), _("Filed for review."))


@login_required
def filing_edit(request: HttpRequest, enterprise_id: int) -> HttpResponse:
    """The enterprise's own filing form: open, save, attach and submit."""
    enterprise = _enterprise(request, enterprise_id)
    filing = enterprise.filings.exclude(state=FilingState.RETURNED).order_by("-id").first()
    filing = filing or enterprise.filings.order_by("-id").first()
    if request.method == "POST":
        data = _filing_input(request)
        if filing is None or filing.state == FilingState.APPROVED:
            opened = _run(request, lambda: services.do_open_filing(request.user, enterprise, data))
            filing = opened if isinstance(opened, Filing) else filing
        elif "save" in services.filing_actions(request.user, filing):
            current = filing
            _run(request, lambda: services.do_save_filing(request.user, current, data))
        if filing is not None:
            _attach_and_submit(request, filing)
        return redirect("enterprises:filing_edit", enterprise.pk)
    return render(
        request,
        "enterprises/filing_edit.html",
        {
            "enterprise": enterprise,
            "filing": filing,
            "checklist": CHECKLIST,
            "actions": services.filing_actions(request.user, filing) if filing else ["save", "submit"],
        },
    )


@login_required
def filing_list(request: HttpRequest) -> HttpResponse:
    state = request.GET.get("state", FilingState.SUBMITTED)
    listing = queries.filings(request.user, state if state in FilingState.values else "")
    return render(
        request,
        "enterprises/filings.html",
        {
            "filings": listing[:300],
            "state": state,
            "states": FilingState.choices,
            "by_town": queries.resumption_rates(request.user, "unit_path"),
            "by_industry": queries.resumption_rates(request.user, "industry"),
        },
    )


@login_required
def filing_detail(request: HttpRequest, filing_id: int) -> HttpResponse:
    filing = get_object_or_404(
        Filing.objects.restrict(request.user).select_related("enterprise"), pk=filing_id
    )
    return render(
        request,
        "enterprises/filing.html",
        {
            "filing": filing,
            "items": [(key, label, filing.checklist.get(key)) for key, label in CHECKLIST],
            "inspections": filing.inspections.order_by("-inspected_at"),
            "attachments": Attachment.objects.filter(filing=filing).defer("content"),
            "actions": services.filing_actions(request.user, filing),
        },
    )


@login_required
def filing_inspect(request: HttpRequest, filing_id: int) -> HttpResponse:
    """The spot check on a phone: tick what is not met, write findings, take photos."""
    filing = get_object_or_404(
        Filing.objects.restrict(request.user).select_related("enterprise"), pk=filing_id
    )
    if "inspect" not in services.filing_actions(request.user, filing):
        raise Http404
    if request.method == "POST":
        post = request.POST
        data = services.InspectionInput(
            passed=post.get("passed") == "1",
            findings=post.get("findings", ""),
            failed_items=post.getlist("failed"),
        )
        if _run(
            request,
            lambda: services.do_inspect(request.user, filing, data, _files(request, "photos")),
            _("Inspection recorded."),
        ):
            return redirect("enterprises:filing", filing.pk)
    return render(request, "enterprises/inspect.html", {"filing": filing, "checklist": CHECKLIST})


@login_required
@require_POST
def filing_act(request: HttpRequest, filing_id: int) -> HttpResponse:
    filing = get_object_or_404(Filing.objects.restrict(request.user), pk=filing_id)
    action = request.POST.get("action")
    if action == "approve":
        date = _date(request.POST.get("resumption_date"))
        _run(request, lambda: services.do_approve_filing(request.user, filing, date), _("Approved."))
    elif action == "return":
        reason = request.POST.get("reason", "")
        _run(request, lambda: services.do_return_filing(request.user, filing, reason), _("Returned."))
    return redirect("enterprises:filing", filing.pk)


@login_required
def attachment(request: HttpRequest, attachment_id: int) -> HttpResponse:
    found = get_object_or_404(Attachment.objects.restrict(request.user), pk=attachment_id)
    response = HttpResponse(bytes(found.content), content_type=found.content_type)
    response["Content-Disposition"] = "inline" if found.content_type.startswith("image/") else "attachment"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# ---------------------------------------------------------------------------------------------
# Returning staff


@login_required
def staff_list(request: HttpRequest, enterprise_id: int) -> HttpResponse:
    enterprise = _enterprise(request, enterprise_id)
    result = None
    if request.method == "POST":
        upload = _upload(request)
        if upload is not None:
            rows = _run(request, lambda: staff.rows_from_table(upload.read(), upload.name or "file"))
        else:
            post = request.POST
            values = {key: post.get(key, "") for key in staff.STAFF_HEADERS}
            rows = [staff.StaffRow(1, values)]
        if isinstance(rows, list):
            result = _run(request, lambda: staff.do_add_staff(request.user, enterprise, rows))
            if isinstance(result, staff.StaffResult):
                messages.success(
                    request,
                    _("%(created)d added, %(linked)d found in the registry, %(risky)d to be verified.")
                    % {"created": result.created, "linked": result.linked, "risky": result.risky},
                )
                for row in result.errors[:20]:
                    messages.error(request, f"{row['row']}: {row['message']}")
    employees = list(Employee.objects.restrict(request.user).filter(enterprise=enterprise).order_by("name"))
    return render(
        request,
        "enterprises/staff.html",
        {"enterprise": enterprise, "staff": staff.staff_status(employees)},
    )


# ---------------------------------------------------------------------------------------------
# Claims and payments


@login_required
def claim_new(request: HttpRequest, enterprise_id: int) -> HttpResponse:
    enterprise = _enterprise(request, enterprise_id)
    kind = request.GET.get("kind") or request.POST.get("kind") or ClaimKind.TRANSPORT
    if request.method == "POST":
        post = request.POST
        data = subsidies.ClaimInput(
            kind=kind,
            employee_ids=[_int(v) for v in post.getlist("employees")],
            claim_date=_date(post.get("claim_date")),
            charter_cost=_decimal(post.get("charter_cost")),
            loan_amount=_decimal(post.get("loan_amount")),
            bank=post.get("bank", ""),
            account=post.get("account", ""),
        )
        claim = _run(
            request,
            lambda: subsidies.do_submit_claim(request.user, enterprise, data, _files(request, "evidence")),
            _("Claim submitted."),
        )
        if isinstance(claim, Claim):
            return redirect("enterprises:claim", claim.pk)
    employees = list(Employee.objects.restrict(request.user).filter(enterprise=enterprise).order_by("name"))
    return render(
        request,
        "enterprises/claim_new.html",
        {
            "enterprise": enterprise,
            "kind": kind,
            "kinds": ClaimKind.choices,
            "staff": staff.staff_status(employees),
        },
    )


@login_required
def claim_list(request: HttpRequest) -> HttpResponse:
    state = request.GET.get("state", "")
    listing = queries.claims(request.user, state if state in ClaimState.values else "")
    return render(
        request,
        "enterprises/claims.html",
        {"claims": listing[:300], "state": state, "states": ClaimState.choices, "total": listing.count()},
    )


@login_required
def claim_detail(request: HttpRequest, claim_id: int) -> HttpResponse:
    claim = get_object_or_404(
        Claim.objects.restrict(request.user).select_related("enterprise", "rule"), pk=claim_id
    )
    chain = subsidies.review_chain(claim)
    return render(
        request,
        "enterprises/claim.html",
        {
            "claim": claim,
            "lines": claim.lines.select_related("employee").order_by("pk"),
            "decisions": claim.decisions.order_by("pk"),
            "chain": [(i, Department(d).label) for i, d in enumerate(chain)],
            "may_review": subsidies.may_review(request.user, claim),
            "evidence": Attachment.objects.filter(claim=claim).defer("content"),
        },
    )


@login_required
@require_POST
def claim_review(request: HttpRequest, claim_id: int) -> HttpResponse:
    claim = get_object_or_404(Claim.objects.restrict(request.user), pk=claim_id)
    decision, reason = request.POST.get("decision", ""), request.POST.get("reason", "")
    _run(
        request,
        lambda: subsidies.do_review_claim(request.user, claim, decision, reason),
        _("Decision recorded."),
    )
    return redirect("enterprises:claim", claim.pk)


def _require_payer(request: HttpRequest) -> None:
    if not (request.user.is_superuser or subsidies.DEPARTMENT_ROLES & roles_of(request.user)):
        raise Http404


@login_required
def payments(request: HttpRequest) -> HttpResponse:
    _require_payer(request)
    if request.method == "POST":
        ids = [_int(v) for v in request.POST.getlist("claims")]
        batch = _run(
            request, lambda: subsidies.do_create_payment_batch(request.user, ids), _("Payment batch made.")
        )
        if isinstance(batch, PaymentBatch):
            return redirect("enterprises:payments")
    return render(
        request,
        "enterprises/payments.html",
        {
            "approved": queries.claims(request.user, ClaimState.APPROVED)[:500],
            "batches": PaymentBatch.objects.filter(claims__in=Claim.objects.restrict(request.user))
            .distinct()
            .order_by("-created_at")[:50],
        },
    )


@login_required
def payment_export(request: HttpRequest, batch_id: int) -> HttpResponse:
    _require_payer(request)
    batch = get_object_or_404(
        PaymentBatch.objects.filter(claims__in=Claim.objects.restrict(request.user)).distinct(), pk=batch_id
    )
    data = subsidies.export_batch(request.user, batch)
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{batch.number}.xlsx"'
    return response


@login_required
@require_POST
def payment_paid(request: HttpRequest, batch_id: int) -> HttpResponse:
    _require_payer(request)
    batch = get_object_or_404(
        PaymentBatch.objects.filter(claims__in=Claim.objects.restrict(request.user, "change")).distinct(),
        pk=batch_id,
    )
    paid_on = _date(request.POST.get("paid_on"))
    _run(request, lambda: subsidies.do_record_paid(request.user, batch, paid_on), _("Payment recorded."))
    return redirect("enterprises:payments")


# ---------------------------------------------------------------------------------------------
# Problems


@login_required
@require_POST
def problem_new(request: HttpRequest, enterprise_id: int) -> HttpResponse:
    enterprise = _enterprise(request, enterprise_id)
    post = request.POST
    _run(
        request,
        lambda: problem_services.do_report_problem(
            request.user, enterprise, post.get("category", ""), post.get("description", "")
        ),
        _("Reported."),
    )
    return redirect("enterprises:enterprise", enterprise.pk)


@login_required
def problem_list(request: HttpRequest) -> HttpResponse:
    open_only = request.GET.get("all") != "1"
    return render(
        request,
        "enterprises/problems.html",
        {"problems": queries.problems(request.user, open_only)[:300], "open_only": open_only},
    )


@login_required
def problem_detail(request: HttpRequest, problem_id: int) -> HttpResponse:
    problem = get_object_or_404(
        Problem.objects.restrict(request.user).select_related("enterprise"), pk=problem_id
    )
    if request.method == "POST":
        post = request.POST
        if post.get("action") == "assign":
            deadline = _date(post.get("deadline"))
            when = timezone.make_aware(dt.datetime.combine(deadline, dt.time(18, 0))) if deadline else None
            _run(
                request,
                lambda: problem_services.do_assign_problem(
                    request.user, problem, post.get("department", ""), post.get("leader", ""), when
                ),
                _("Assigned."),
            )
        elif post.get("action") == "solve":
            _run(
                request,
                lambda: problem_services.do_solve_problem(request.user, problem, post.get("resolution", "")),
                _("Solved."),
            )
        return redirect("enterprises:problem", problem.pk)
    return render(
        request,
        "enterprises/problem.html",
        {
            "problem": problem,
            "departments": Department.choices,
            "reviewer": services.is_reviewer(request.user, problem.unit_path),
        },
    )
