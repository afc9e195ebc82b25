"""The one error type of the domain.

Every service raises :class:`DomainError` (or :class:`NotFound`) with a stable ``code`` that the API
returns as it is and a message in plain words (a lazy translation, so the user's language applies).
Views show ``message``; the API's exception handler maps it to ``ErrorOut`` with status 400 (404 for
``NotFound``, 409 for ``StaleEdit``). Apps never define error classes of their own shape.
"""

from __future__ import annotations

from typing import Any

from ninja import Schema


class DomainError(ValueError):
    """A refused request: ``code`` is stable (``area.reason``), ``message`` is for a person."""

    status = 400

    def __init__(
        self,
        code: str,
        message: Any,
        field: str | None = None,
        errors: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(str(message))
        self.code = code
        self.message = message
        self.field = field or ""
        self.errors = errors or []


class NotFound(DomainError):
    """Does not exist, or is out of the user's jurisdiction: the two are never told apart."""

    status = 404

    def __init__(self, code: str = "not_found", message: Any = "Not found.") -> None:
        super().__init__(code, message)


class StaleEdit(DomainError):
    """Someone else saved the record first (its ``version`` moved on): reload and try again."""

    status = 409

    def __init__(self, code: str = "stale_edit", message: Any = None, field: str | None = None) -> None:
        from django.utils.translation import gettext_lazy as _

        super().__init__(code, message or _("Someone else changed this record; reload and try again."), field)


class ErrorOut(Schema):
    """The API's error body: a stable code, a message, the field it concerns (if any)."""

    code: str
    detail: str
    field: str = ""
    errors: list[dict[str, Any]] = []
