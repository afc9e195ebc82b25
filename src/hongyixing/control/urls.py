from django.urls import path

from hongyixing.control import views

app_name = "control"
urlpatterns = [
    path("", views.measure_list, name="measures"),
    path("today/", views.today, name="today"),
    path("today/checks/", views.record_checks, name="record_checks"),
    path("measures/<int:measure_id>/", views.measure_detail, name="measure"),
    path("measures/<int:measure_id>/action/", views.measure_action, name="measure_action"),
    path("measures/<int:measure_id>/release.docx", views.release_notice, name="release_notice"),
    path("persons/<int:person_id>/open/", views.measure_open, name="open_measure"),
    path("persons/<int:person_id>/inbound/", views.inbound_register, name="inbound_register"),
    path("alerts/", views.alert_list, name="alerts"),
    path("alerts/<int:alert_id>/", views.alert_handle, name="alert_handle"),
    path("tests/", views.tests, name="tests"),
    path("tests/<int:sample_id>/", views.sample_action, name="sample_action"),
    path("sites/", views.site_list, name="sites"),
    path("sites/<int:site_id>/", views.site_detail, name="site"),
    path("sites/<int:site_id>/action/", views.site_action, name="site_action"),
    path("transfers/", views.transfer_list, name="transfers"),
    path("transfers/new/", views.transfer_create, name="transfer_create"),
    path("transfers/<int:transfer_id>/", views.transfer_detail, name="transfer"),
    path("transfers/<int:transfer_id>/action/", views.transfer_action, name="transfer_action"),
    path("inbound/", views.inbound_list, name="inbound"),
]
