from django.urls import include, path

from hongyixing.api.api import api
from hongyixing.control import site_views as control_site_views
from hongyixing.core import views as core_views
from hongyixing.reports import views as reports_views
from hongyixing.verification.selfreg import self_registration

urlpatterns = [
    # First: the phones' check-ins are the busiest requests, and Django tries the patterns in order.
    path("api/", api.urls),
    path("", reports_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("sw.js", core_views.service_worker, name="service_worker"),
    path("manifest.webmanifest", core_views.manifest, name="manifest"),
    path("offline/", core_views.offline, name="offline"),
    path("accounts/", include("hongyixing.accounts.urls")),
    path("areas/", include("hongyixing.areas.urls")),
    path("people/", include("hongyixing.people.urls")),
    path("verification/", include("hongyixing.verification.urls")),
    path("control/", include("hongyixing.control.urls")),
    path("dashboard/", include("hongyixing.reports.urls")),
    path("r/<str:token>/", control_site_views.self_report, name="self_report"),
    path("command/", include("hongyixing.command.urls")),
    path("cases/", include("hongyixing.cases.urls")),
    path("enterprises/", include("hongyixing.enterprises.urls")),
    path("projects/", include("hongyixing.projects.urls")),
    path("imports/", include("hongyixing.accounts.import_urls")),
    path("rules/", include("hongyixing.rules.urls")),
    path("register/", self_registration, name="self_registration"),
    path("i18n/", include("django.conf.urls.i18n")),
]
handler404 = "hongyixing.core.views.not_found"
handler500 = "hongyixing.core.views.server_error"
handler403 = "hongyixing.core.views.forbidden"
