"""The one API object; each app contributes a router."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError

from hongyixing.api.auth import SessionAuth, TokenAuth
from hongyixing.core.errors import DomainError

api = NinjaAPI(
    title="Hongyixing API",
    version="1",
    description=(
        "Scoped and masked exactly like the pages. Authenticate with `Authorization: Bearer <token>`."
    ),
    auth=[TokenAuth(), SessionAuth(csrf=True)],
    urls_namespace="api",
)


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return api.create_response(request, {"code": "not_found", "detail": "Not found."}, status=404)


@api.exception_handler(DomainError)
def refused(request: HttpRequest, exc: DomainError) -> HttpResponse:
    body = {"code": exc.code, "detail": str(exc.message), "field": exc.field, "errors": exc.errors}
    return api.create_response(request, body, status=exc.status)


@api.exception_handler(AuthenticationError)
def unauthorised(request: HttpRequest, exc: Exception) -> HttpResponse:
    return api.create_response(
        request, {"code": "unauthorised", "detail": "Authentication required."}, status=401
    )


@api.exception_handler(ValidationError)
def invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return api.create_response(
        request, {"code": "invalid", "detail": "The request is not valid.", "errors": exc.errors}, status=422
    )


def _mount() -> None:
    from hongyixing.areas.api import router as areas_router
    from hongyixing.cases.api import router as cases_router
    from hongyixing.command.api import router as command_router
    from hongyixing.control.api import router as control_router
    from hongyixing.enterprises.api import router as enterprises_router
    from hongyixing.people.api import router as people_router
    from hongyixing.projects.api import router as projects_router
    from hongyixing.verification.api import router as verification_router

    api.add_router("/", areas_router)
    api.add_router("/persons", people_router)
    api.add_router("/verification", verification_router)
    api.add_router("/control", control_router)
    api.add_router("/command", command_router)
    api.add_router("/cases", cases_router)
    api.add_router("/enterprises", enterprises_router)
    api.add_router("/projects", projects_router)


_mount()
