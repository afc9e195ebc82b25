from django.urls import path

from hongyixing.areas import paper, views

app_name = "areas"
urlpatterns = [
    path("units/<str:path>/", views.unit_detail, name="unit"),
    path("units/<str:path>/poster/", paper.registration_poster, name="registration_poster"),
    path("grids/<key:grid_id>/", views.grid_detail, name="grid"),
]
