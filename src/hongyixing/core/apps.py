from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "hongyixing.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from django.urls import register_converter

        from hongyixing.core import checks  # noqa: F401  (registers the start-up checks)
        from hongyixing.core.bounds import KeyConverter

        register_converter(KeyConverter, "key")
