from __future__ import annotations

import json

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _


def healthz(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def _wants_json(request: HttpRequest) -> bool:
    return request.path.startswith("/api/") or "application/json" in request.headers.get("Accept", "")


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse({"code": "not_found", "detail": "Not found."}, status=404)
    return render(request, "errors/404.html", status=404)


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse({"code": "forbidden", "detail": "Forbidden."}, status=403)
    return render(request, "errors/403.html", status=403)


def server_error(request: HttpRequest) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse({"code": "server_error", "detail": "Server error."}, status=500)
    return render(request, "errors/500.html", status=500)


def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker, from the site's root so that it may keep every field page (its scope)."""
    from django.conf import settings
    from django.templatetags.static import static

    static_files = [
        "hongyixing/app.css",
        "hongyixing/offline.js",
        "hongyixing/tables.js",
        "hongyixing/offline-queue.js",
        "hongyixing/fieldform.js",
        "hongyixing/icon.svg",
        "vendor/htmx.min.js",
    ]
    response = render(
        request,
        "core/sw.js",
        {
            "version": settings.OFFLINE_CACHE_VERSION,
            "prefixes": json.dumps(list(settings.OFFLINE_PAGES)),
            "precache": json.dumps([static(name) for name in static_files]),
            "offline_url": reverse("offline"),
            "queue_script": static("hongyixing/offline-queue.js"),
            "static_url": settings.STATIC_URL,
        },
        content_type="application/javascript; charset=utf-8",
    )
    response["Service-Worker-Allowed"] = "/"
    response["Cache-Control"] = "no-cache"
    return response


def manifest(request: HttpRequest) -> HttpResponse:
    """The web app manifest: the grid worker adds Hongyixing to the phone's home screen."""
    from django.templatetags.static import static

    body = {
        "name": str(_("Hongyixing epidemic tracking")),
        "short_name": str(_("Hongyixing")),
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#b3261e",
        "lang": get_language() or "zh-hans",
        "icons": [{"src": static("hongyixing/icon.svg"), "sizes": "any", "type": "image/svg+xml"}],
    }
    response = JsonResponse(body, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/manifest+json; charset=utf-8"
    return response


def offline(request: HttpRequest) -> HttpResponse:
    """Shown when a page was never opened with signal on this device."""
    return render(request, "core/offline.html")
