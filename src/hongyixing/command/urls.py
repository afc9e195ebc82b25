from django.urls import path

from hongyixing.command import views

app_name = "command"
urlpatterns = [
    path("", views.home, name="home"),
    path("groups/", views.groups, name="groups"),
    path("groups/defaults/", views.groups_defaults, name="groups_defaults"),
    path("groups/<int:group_id>/", views.group_detail, name="group"),
    path("groups/<int:group_id>/edit/", views.group_edit, name="group_edit"),
    path("groups/<int:group_id>/members/", views.member_add, name="member_add"),
    path("groups/<int:group_id>/members/<int:member_id>/remove/", views.member_remove, name="member_remove"),
    path("duty/", views.duty, name="duty"),
    path("duty/<int:shift_id>/remove/", views.duty_remove, name="duty_remove"),
    path("duty/<int:shift_id>/call/", views.duty_call, name="duty_call"),
    path("directives/", views.directives, name="directives"),
    path("directives/new/", views.directive_new, name="directive_new"),
    path("directives/<int:directive_id>/", views.directive_detail, name="directive"),
    path("directives/<int:directive_id>/files/<int:file_id>/", views.directive_file, name="directive_file"),
    path("assignments/", views.assignments, name="assignments"),
    path("assignments/<int:assignment_id>/", views.assignment_detail, name="assignment"),
    path("assignments/<int:assignment_id>/act/", views.assignment_act, name="assignment_act"),
    path("assignments/<int:assignment_id>/notes/<int:note_id>/file/", views.note_file, name="note_file"),
    path("supervision/", views.supervision, name="supervision"),
    path("screening/", views.campaigns, name="campaigns"),
    path("screening/<int:campaign_id>/", views.campaign_detail, name="campaign"),
    path("screening/<int:campaign_id>/households/", views.campaign_households, name="campaign_households"),
    path("screening/<int:campaign_id>/households/<int:household_id>/", views.visit, name="visit"),
    path("screening/<int:campaign_id>/visits/<int:visit_id>/task/", views.visit_task, name="visit_task"),
    path(
        "screening/<int:campaign_id>/visits/<int:visit_id>/measure/",
        views.visit_measure,
        name="visit_measure",
    ),
]
