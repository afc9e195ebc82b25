from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VerificationConfig(AppConfig):
    name = "hongyixing.verification"
    label = "verification"
    verbose_name = _("Verification")

    def ready(self) -> None:
        from hongyixing.verification import receivers

        receivers.connect()
