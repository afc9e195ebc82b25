from django.urls import path

from hongyixing.projects import views

app_name = "projects"
urlpatterns = [
    path("", views.project_list, name="list"),
    path("<key:project_id>/", views.project_detail, name="project"),
    path("indicators/", views.indicators, name="indicators"),
]
