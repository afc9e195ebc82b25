from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ControlConfig(AppConfig):
    name = "hongyixing.control"
    label = "control"
    verbose_name = _("Control measures")

    def ready(self) -> None:
        from hongyixing.control import receivers, worklists
        from hongyixing.people.worklists import register_filter

        receivers.connect()
        register_filter(worklists.active_measure_filter)
