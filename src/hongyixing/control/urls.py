from django.urls import path

from hongyixing.control import site_views, views

app_name = "control"
urlpatterns = [
    path("", views.measure_list, name="measures"),
    path("today/", views.today, name="today"),
    path("today/checks/", views.record_checks, name="record_checks"),
    path("measures/<key:measure_id>/", views.measure_detail, name="measure"),
    path("measures/<key:measure_id>/action/", views.measure_action, name="measure_action"),
    path("measures/<key:measure_id>/release.docx", views.release_notice, name="release_notice"),
    path("measures/<key:measure_id>/notice.docx", views.home_notice, name="home_notice"),
    path("persons/<key:person_id>/open/", views.measure_open, name="open_measure"),
    path("persons/<key:person_id>/inbound/", site_views.inbound_register, name="inbound_register"),
    path("alerts/", views.alert_list, name="alerts"),
    path("alerts/<key:alert_id>/", views.alert_handle, name="alert_handle"),
    path("tests/", views.tests, name="tests"),
    path("tests/<key:sample_id>/", views.sample_action, name="sample_action"),
    path("sites/", site_views.site_list, name="sites"),
    path("sites/<key:site_id>/", site_views.site_detail, name="site"),
    path("sites/<key:site_id>/action/", site_views.site_action, name="site_action"),
    path("transfers/", site_views.transfer_list, name="transfers"),
    path("transfers/new/", site_views.transfer_create, name="transfer_create"),
    path("transfers/<key:transfer_id>/", site_views.transfer_detail, name="transfer"),
    path("transfers/<key:transfer_id>/action/", site_views.transfer_action, name="transfer_action"),
    path("inbound/", site_views.inbound_list, name="inbound"),
]
