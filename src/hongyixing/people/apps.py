from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "hongyixing.people"
    label = "people"
    verbose_name = _("People")

    def ready(self) -> None:
        from hongyixing.people import receivers  # noqa: F401 (connects the receivers)
