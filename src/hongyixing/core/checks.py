"""Start-up checks of the configuration: every problem with the variable's name, in plain words."""

from __future__ import annotations

import zoneinfo
from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

from hongyixing.config import PROBLEMS


@register(Tags.security, deploy=False)
def check_configuration(app_configs: Any, **kwargs: Any) -> list[Any]:
    problems: list[Any] = [Error(text, id="hongyixing.E001") for text in PROBLEMS]
    if settings.DATA_KEY:
        from hongyixing.core.crypto import DataKeyError, decode_data_key

        try:
            decode_data_key(settings.DATA_KEY)
        except DataKeyError as error:
            problems.append(
                Error(
                    f"HONGYIXING_DATA_KEY: {error}.",
                    hint="Generate one with `hongyixing manage generate_data_key`.",
                    id="hongyixing.E002",
                )
            )
    try:
        zoneinfo.ZoneInfo(settings.TIME_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        problems.append(
            Error(
                f"HONGYIXING_TIME_ZONE={settings.TIME_ZONE!r} is not a known time zone.",
                hint="For example Asia/Shanghai.",
                id="hongyixing.E003",
            )
        )
    if settings.LANGUAGE_CODE not in dict(settings.LANGUAGES):
        problems.append(
            Error(
                f"HONGYIXING_LANGUAGE={settings.LANGUAGE_CODE!r} is not offered.",
                hint="Use zh-hans or en.",
                id="hongyixing.E004",
            )
        )
    if len(settings.SECRET_KEY) < 40:
        problems.append(Error("SECRET_KEY is shorter than 40 characters.", id="hongyixing.E005"))
    if not settings.DEBUG and not settings.ALLOWED_HOSTS:
        problems.append(Error("ALLOWED_HOSTS is empty: no request would be answered.", id="hongyixing.E006"))
    if (
        not settings.SECURE_HTTPS
        and not settings.DEBUG
        and any(host not in ("127.0.0.1", "localhost", "[::1]") for host in settings.ALLOWED_HOSTS)
    ):
        problems.append(
            Warning(
                "The server answers other hosts than this machine but HONGYIXING_HTTPS is off: "
                "put it behind TLS and set HONGYIXING_HTTPS=1.",
                id="hongyixing.W001",
            )
        )
    return problems
