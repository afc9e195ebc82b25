from django.urls import path

from hongyixing.areas import views

app_name = "areas"
urlpatterns = [
    path("units/<str:path>/", views.unit_detail, name="unit"),
    path("grids/<key:grid_id>/", views.grid_detail, name="grid"),
]
