"""The import page: upload, map unknown headers (remembered per town), dry-run preview, confirm.

A face over ``exchange.importer`` and the apps' import specs; who may import where is
``accounts.admin_services.import_context``.
"""

from __future__ import annotations

import io
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from hongyixing.accounts.admin_services import import_context
from hongyixing.areas.district import district_path
from hongyixing.areas.services import do_remember_mapping, remembered_mapping
from hongyixing.core import staging
from hongyixing.core.downloads import content_disposition
from hongyixing.exchange import importer
from hongyixing.exchange.errors import FileRefused
from hongyixing.exchange.writers import write_xlsx

SESSION_KEY = "hyx_imports"
KIND_LABELS = {
    "units": gettext_lazy("Villager groups, compounds and buildings"),
    "grids": gettext_lazy("Grids"),
    "residents": gettext_lazy("Household register (residents)"),
    "staff": gettext_lazy("Staff"),
}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("What the file holds"), choices=list(KIND_LABELS.items()))
    file = forms.FileField(label=gettext_lazy("File (xlsx, xls or csv)"))


def _context_or_404(request: HttpRequest) -> importer.ImportContext:
    context = import_context(request.user)
    if context is None:
        raise Http404
    return context


def _town_path(context: importer.ImportContext) -> str:
    return context.roots[0] if context.roots else district_path()


def _staged(request: HttpRequest, token: str) -> dict[str, Any]:
    entry = request.session.get(SESSION_KEY, {}).get(token)
    if entry is None:
        raise Http404
    return dict(entry)


@login_required
def imports_view(request: HttpRequest) -> HttpResponse:
    _context_or_404(request)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload: Any = form.cleaned_data["file"]
        token = staging.stage(upload.read())
        entries = request.session.get(SESSION_KEY, {})
        entries[token] = {"kind": form.cleaned_data["kind"], "filename": upload.name}
        request.session[SESSION_KEY] = entries
        return redirect("imports:preview", token=token)
    return render(request, "exchange/imports.html", {"form": form, "kinds": KIND_LABELS})


def _labels(spec: importer.ImportSpec) -> list[tuple[str, str]]:
    return [(column.field, str(column.label)) for column in spec.columns]


@login_required
def preview_view(request: HttpRequest, token: str) -> HttpResponse:
    """The mapping step for unknown headers, then the dry run's per-row preview."""
    context = _context_or_404(request)
    entry = _staged(request, token)
    spec = importer.spec_for(entry["kind"])
    data = staging.load(token)
    town = _town_path(context)
    mapping = remembered_mapping(town, entry["kind"])
    unknown: list[str] = []
    try:
        table = importer.read(spec, data, entry["filename"])
        unknown = [h for h in importer.unknown_headers(spec.columns, table) if h not in mapping]
    except FileRefused as refusal:
        return render(request, "exchange/preview.html", {"refused": refusal.message, "token": token})
    if request.method == "POST":
        chosen = {header: request.POST.get(f"map-{index}", "") for index, header in enumerate(unknown)}
        known = {field for field, _label in _labels(spec)}
        chosen = {header: field if field in known else "" for header, field in chosen.items()}
        do_remember_mapping(request.user, town, entry["kind"], chosen)
        return redirect("imports:preview", token=token)
    if unknown:
        return render(
            request,
            "exchange/mapping.html",
            {"unknown": list(enumerate(unknown)), "fields": _labels(spec), "entry": entry, "token": token},
        )
    report = importer.run_import(
        entry["kind"], data, entry["filename"], context, dry_run=True, mapping=mapping
    )
    return render(request, "exchange/preview.html", _report_context(report, entry, token))


def _report_context(report: importer.ImportReport, entry: dict[str, Any], token: str) -> dict[str, Any]:
    labels = importer.status_labels()
    return {
        "report": report,
        "entry": entry,
        "kind_label": KIND_LABELS.get(entry["kind"], entry["kind"]),
        "token": token,
        "refused": report.refused,
        "counts": [(labels[status], count) for status, count in report.counts.items()],
        "rows": [(row, labels[row.status]) for row in report.rows if row.status != importer.UNCHANGED][:1000],
    }


@login_required
@require_POST
def confirm_view(request: HttpRequest, token: str) -> HttpResponse:
    context = _context_or_404(request)
    entry = _staged(request, token)
    data = staging.load(token)
    mapping = remembered_mapping(_town_path(context), entry["kind"])
    report = importer.run_import(
        entry["kind"], data, entry["filename"], context, dry_run=False, mapping=mapping
    )
    if report.applied:
        staging.discard(token)
        entries = request.session.get(SESSION_KEY, {})
        entries.pop(token, None)
        request.session[SESSION_KEY] = entries
    return render(request, "exchange/preview.html", _report_context(report, entry, token))


@login_required
def report_view(request: HttpRequest, token: str) -> HttpResponse:
    """The dry run's per-row report as xlsx (row, result, changed fields, errors)."""
    context = _context_or_404(request)
    entry = _staged(request, token)
    mapping = remembered_mapping(_town_path(context), entry["kind"])
    report = importer.run_import(
        entry["kind"], staging.load(token), entry["filename"], context, dry_run=True, mapping=mapping
    )
    response = HttpResponse(report.report_xlsx(), content_type=XLSX)
    response["Content-Disposition"] = content_disposition(
        f"{KIND_LABELS[entry['kind']]}-导入检查报告.xlsx", f"{entry['kind']}-report.xlsx"
    )
    return response


@login_required
def template_view(request: HttpRequest, kind: str) -> HttpResponse:
    """An empty file with the headers the importer knows first, one per column."""
    _context_or_404(request)
    if kind not in importer.KINDS:
        raise Http404
    spec = importer.spec_for(kind)
    buffer = io.BytesIO()
    write_xlsx(buffer, [column.synonyms[0] for column in spec.columns], [], sheet_name=str(KIND_LABELS[kind]))
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = content_disposition(
        f"{KIND_LABELS[kind]}-导入模板.xlsx", f"{kind}-template.xlsx"
    )
    return response
