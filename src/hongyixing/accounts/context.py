from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject


def administration(request: HttpRequest) -> dict[str, Any]:
    """``can_administer``: whether the navigation shows users and data loading, and ``menu``: the
    links of the user's roles (both computed when used)."""

    def allowed() -> bool:
        from hongyixing.accounts.admin_services import can_administer_users

        user = getattr(request, "user", None)
        return bool(user is not None and user.is_authenticated and can_administer_users(user))

    def menu() -> list[Any]:
        from hongyixing.accounts.menu import menu_for
        from hongyixing.accounts.permissions import roles_of

        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return []
        return menu_for(user, roles_of(user), administers=allowed())

    return {"can_administer": SimpleLazyObject(allowed), "menu": SimpleLazyObject(menu)}
