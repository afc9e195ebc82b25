"""The one API object; each app contributes a router.

Errors leave the API in one shape (``core.errors.ErrorOut``: a stable ``code``, a ``detail`` for a
person, the ``field`` it concerns): services raise ``DomainError``, the handlers below map it (and
ninja's own refusals: a body that is not JSON, a wrong type, no credentials) to its status. Endpoints
never convert errors by hand. Every operation's schema lists the error answers it can give.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.openapi.schema import OpenAPISchema

from hongyixing.api.auth import SessionAuth, TokenAuth
from hongyixing.core.errors import DomainError, ErrorOut

# The error answers any operation may give (documented on every operation of the schema).
ERROR_ANSWERS = {
    "400": "Refused: the request breaks a rule (see `code`), or its body cannot be read.",
    "401": "Authentication required.",
    "404": "Not found, or outside your jurisdiction (never told apart).",
    "422": "The body or a parameter has the wrong shape or type (see `errors`).",
}


class HongyixingAPI(NinjaAPI):
    def get_openapi_schema(self, **kwargs: Any) -> OpenAPISchema:
        schema = super().get_openapi_schema(**kwargs)
        schemas = schema.setdefault("components", {}).setdefault("schemas", {})
        schemas.setdefault(
            "ErrorOut", ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
        )
        ref = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}}
        for path in schema.get("paths", {}).values():
            for operation in path.values():
                responses = operation.setdefault("responses", {})
                for status, description in ERROR_ANSWERS.items():
                    responses.setdefault(status, {"description": description, **ref})
        return schema


api = HongyixingAPI(
    title="Hongyixing API",
    version="1",
    description=(
        "Scoped and masked exactly like the pages. Authenticate with `Authorization: Bearer <token>`. "
        "Every error answers `{code, detail, field, errors}` with a stable `code`."
    ),
    auth=[TokenAuth(), SessionAuth(csrf=True)],
    urls_namespace="api",
)


def _error(request: HttpRequest, status: int, code: str, detail: Any, **extra: Any) -> HttpResponse:
    return api.create_response(request, {"code": code, "detail": str(detail), **extra}, status=status)


@api.exception_handler(DomainError)
def refused(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return _error(request, exc.status, exc.code, exc.message, field=exc.field, errors=exc.errors)


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return _error(request, 404, "not_found", "Not found.")


@api.exception_handler(AuthenticationError)
def unauthorised(request: HttpRequest, exc: Exception) -> HttpResponse:
    return _error(request, 401, "unauthorised", "Authentication required.")


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    # ninja raises 400 for a body it cannot parse (not JSON, wrong encoding).
    code = "malformed" if exc.status_code == 400 else f"http_{exc.status_code}"
    return _error(
        request, exc.status_code, code, "The request body cannot be read." if code == "malformed" else exc
    )


@api.exception_handler(ValidationError)
def invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return _error(request, 422, "invalid", "The request is not valid.", errors=exc.errors)


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
