"""Field work without signal: the installable web app's server half.

The page script (``static/hongyixing/offline.js``) queues a marked form that could not reach the server
and replays it later with the header ``X-Offline-Replay: 1``. A replay must learn whether the server
*kept* the submission — the views answer every outcome with a redirect and a message, so the status
code alone cannot tell. Views that accept offline submissions call :func:`mark_saved` once the
submission is stored (or was already stored: their client ids make a replay idempotent), and
:class:`OfflineReplayMiddleware` turns a replay's answer into a small JSON verdict the script reads.
Nothing is dropped on the client unless the verdict is ``saved``.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import resolve_url

REPLAY_HEADER = "X-Offline-Replay"


def mark_saved(request: HttpRequest) -> None:
    """Tell a replaying client that this submission is stored (now or by an earlier attempt)."""
    request.offline_saved = True  # type: ignore[attr-defined]


def is_replay(request: HttpRequest) -> bool:
    return request.headers.get(REPLAY_HEADER) == "1"


class OfflineReplayMiddleware:
    """Answer a replayed submission with ``{"outcome": "saved" | "refused", "message": …}``.

    Placed after the message middleware so that the view's messages are still queued here: their text
    is what a refused submission shows in the waiting list, in the user's language.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.method != "POST" or not is_replay(request):
            return response
        if response.status_code in (301, 302, 303) and response.get("Location", "").startswith(
            resolve_url(settings.LOGIN_URL)
        ):
            # Signed out meanwhile: keep it waiting until the user signs in again.
            return JsonResponse({"outcome": "login", "message": ""})
        if response.status_code in (403, 404):
            # Gone or no longer allowed (the task was reassigned, the link revoked): say so plainly.
            return JsonResponse({"outcome": "refused", "message": "", "status": response.status_code})
        if response.status_code >= 500 or response.status_code == 429:
            return JsonResponse({"outcome": "retry", "message": ""}, status=503)
        texts = [str(m) for m in messages.get_messages(request) if m.level >= messages.ERROR]
        saved = getattr(request, "offline_saved", False) and not texts
        return JsonResponse({"outcome": "saved" if saved else "refused", "message": "；".join(texts)})
