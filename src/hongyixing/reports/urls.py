from django.urls import path

from hongyixing.reports import views

app_name = "reports"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("daily/", views.daily_report, name="daily"),
    path("daily/<str:path>/", views.daily_report, name="unit_daily"),
    path("daily/<str:path>/file/", views.file_report, name="file"),
    path("filed/<key:report_id>/", views.filed_report, name="filed"),
]
