"""Download file names: the Chinese name a person saves, with an ASCII name for old clients."""

from __future__ import annotations

from urllib.parse import quote

from django.http import HttpResponse


def content_disposition(name: str, fallback: str, *, inline: bool = False) -> str:
    """``attachment; filename="fallback"; filename*=UTF-8''<name>`` (RFC 6266 / RFC 5987).

    Browsers that know ``filename*`` save ``name`` (Chinese); others save the ASCII ``fallback``.
    """
    ascii_name = fallback.encode("ascii", "ignore").decode().replace('"', "").replace("\\", "") or "download"
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"


def name_download(response: HttpResponse, name: str, fallback: str) -> HttpResponse:
    response["Content-Disposition"] = content_disposition(name, fallback)
    return response
