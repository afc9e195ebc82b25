from django.urls import path

from hongyixing.accounts import import_views as views

app_name = "imports"
urlpatterns = [
    path("", views.imports_view, name="imports"),
    path("template/<slug:kind>.xlsx", views.template_view, name="template"),
    path("<str:token>/", views.preview_view, name="preview"),
    path("<str:token>/confirm/", views.confirm_view, name="confirm"),
    path("<str:token>/report.xlsx", views.report_view, name="report"),
]
