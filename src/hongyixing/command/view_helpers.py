"""What the command centre's page modules share: form errors in one line, the export of a work list."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from hongyixing.core import lists
from hongyixing.core.scope import scope_for


def form_errors(form: Any) -> str:
    return "; ".join(
        f"{form.fields[f].label if f in form.fields else ''} {' '.join(str(x) for x in e)}".strip()
        for f, e in form.errors.items()
    )


def can_export(request: HttpRequest) -> bool:
    return not scope_for(request.user, "export").is_empty


def export_list(request: HttpRequest, queryset: Any, spec: lists.ListSpec) -> HttpResponse:
    if not can_export(request):
        raise PermissionDenied
    return lists.export_response(request.user, request, queryset, spec)
