"""Errors of the import/export engine: a stable ``code`` for the API, a plain ``message`` for people."""

from __future__ import annotations


class ExchangeError(Exception):
    """Base class; ``detail`` is for logs and developers only, never shown to the uploader."""

    def __init__(self, code: str, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.detail = detail

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


class FileRefused(ExchangeError):
    """The whole file cannot be taken (too large, unreadable, no header, …); no row was imported."""


class MappingError(FileRefused):
    """An explicit column mapping does not fit the file (unknown field, header not in the file, …).

    A FileRefused too: with that mapping the file cannot be taken, and callers that show refusals
    to the uploader need not know the difference.
    """


class ExportError(ExchangeError):
    """An export would not fit in the target format; raised instead of silently truncating."""
