"""How the rules' stored codes read on a page. Measure types and categories are control's words
(``control.choices``), which this lower app may not import; the same English msgids share their
translations."""

from django.utils.translation import gettext_lazy as _

MEASURE_TYPE_LABELS = {
    "central_isolation": _("Centralised quarantine"),
    "home_isolation": _("Home isolation"),
    "home_monitoring": _("Home health monitoring"),
    "health_monitoring": _("Health monitoring"),
}
MEASURE_CATEGORY_LABELS = {
    "general": _("General"),
    "close_contact": _("Close contact"),
    "secondary_contact": _("Secondary contact"),
    "inbound": _("Inbound from abroad"),
}
