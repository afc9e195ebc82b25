from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject


def administration(request: HttpRequest) -> dict[str, Any]:
    """``can_administer``: whether the navigation shows users and data loading (computed when used)."""

    def allowed() -> bool:
        from hongyixing.accounts.admin_services import can_administer_users

        user = getattr(request, "user", None)
        return bool(user is not None and user.is_authenticated and can_administer_users(user))

    return {"can_administer": SimpleLazyObject(allowed)}
