from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "hongyixing.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from hongyixing.accounts.permissions import resolve_scope
        from hongyixing.accounts.queries import staff_for_unit
        from hongyixing.areas.staff import register_staff_lookup
        from hongyixing.core.scope import register_scope_resolver

        register_scope_resolver(resolve_scope)
        register_staff_lookup(staff_for_unit)
