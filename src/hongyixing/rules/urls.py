from django.urls import path

from hongyixing.rules import views

app_name = "rules"
urlpatterns = [
    path("", views.rule_list, name="list"),
    path("verification/<slug:category>/new/", views.add_verification, name="add_verification"),
    path("measures/<slug:measure_type>/<slug:category>/new/", views.add_measure, name="add_measure"),
]
