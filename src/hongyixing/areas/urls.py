from django.urls import path

from hongyixing.areas import admin_views, paper, views

app_name = "areas"
urlpatterns = [
    path("units/<str:path>/", views.unit_detail, name="unit"),
    path("units/<str:path>/poster/", paper.registration_poster, name="registration_poster"),
    path("units/<str:path>/edit/", admin_views.unit_edit, name="unit_edit"),
    path("grids/<key:grid_id>/", views.grid_detail, name="grid"),
    path("grids/<key:grid_id>/edit/", admin_views.grid_edit, name="grid_edit"),
    path("households/<key:household_id>/edit/", admin_views.household_edit, name="household_edit"),
]
