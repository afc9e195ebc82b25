from django.urls import path

from hongyixing.people import edit_views, lifecycle_views, paper, views

app_name = "people"
urlpatterns = [
    path("", views.search, name="search"),
    path("<key:person_id>/", views.person_detail, name="person"),
    path("<key:person_id>/reveal/", views.reveal, name="reveal"),
    path("<key:person_id>/edit/", edit_views.person_edit, name="person_edit"),
    path("<key:person_id>/register/", lifecycle_views.person_register, name="register"),
    path("households/<key:household_id>/", views.household_detail, name="household"),
    path("households/<key:household_id>/move/", lifecycle_views.household_move, name="household_move"),
    path("households/<key:household_id>/add/", edit_views.household_add_person, name="household_add"),
    path("grids/<key:grid_id>/doors/", paper.door_list, name="door_list"),
]
