from django.urls import path

from hongyixing.people import lifecycle_views, paper, views

app_name = "people"
urlpatterns = [
    path("", views.search, name="search"),
    path("<key:person_id>/", views.person_detail, name="person"),
    path("<key:person_id>/reveal/", views.reveal, name="reveal"),
    path("<key:person_id>/register/", lifecycle_views.person_register, name="register"),
    path("households/<key:household_id>/", views.household_detail, name="household"),
    path("households/<key:household_id>/move/", lifecycle_views.household_move, name="household_move"),
    path("grids/<key:grid_id>/doors/", paper.door_list, name="door_list"),
]
