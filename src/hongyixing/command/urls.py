from django.urls import path

from hongyixing.command import screening_views, views

app_name = "command"
urlpatterns = [
    path("", views.home, name="home"),
    path("groups/", views.groups, name="groups"),
    path("groups/defaults/", views.groups_defaults, name="groups_defaults"),
    path("groups/<key:group_id>/", views.group_detail, name="group"),
    path("groups/<key:group_id>/edit/", views.group_edit, name="group_edit"),
    path("groups/<key:group_id>/members/", views.member_add, name="member_add"),
    path("groups/<key:group_id>/members/<key:member_id>/remove/", views.member_remove, name="member_remove"),
    path("duty/", views.duty, name="duty"),
    path("duty/<key:shift_id>/remove/", views.duty_remove, name="duty_remove"),
    path("duty/<key:shift_id>/call/", views.duty_call, name="duty_call"),
    path("directives/", views.directives, name="directives"),
    path("directives/new/", views.directive_new, name="directive_new"),
    path("directives/<key:directive_id>/", views.directive_detail, name="directive"),
    path("directives/<key:directive_id>/files/<key:file_id>/", views.directive_file, name="directive_file"),
    path("assignments/", views.assignments, name="assignments"),
    path("assignments/<key:assignment_id>/", views.assignment_detail, name="assignment"),
    path("assignments/<key:assignment_id>/act/", views.assignment_act, name="assignment_act"),
    path("assignments/<key:assignment_id>/notes/<key:note_id>/file/", views.note_file, name="note_file"),
    path("supervision/", views.supervision, name="supervision"),
    path("screening/", screening_views.campaigns, name="campaigns"),
    path("screening/<key:campaign_id>/", screening_views.campaign_detail, name="campaign"),
    path(
        "screening/<key:campaign_id>/households/",
        screening_views.campaign_households,
        name="campaign_households",
    ),
    path("screening/<key:campaign_id>/households/<key:household_id>/", screening_views.visit, name="visit"),
    path(
        "screening/<key:campaign_id>/visits/<key:visit_id>/task/",
        screening_views.visit_task,
        name="visit_task",
    ),
    path(
        "screening/<key:campaign_id>/visits/<key:visit_id>/measure/",
        screening_views.visit_measure,
        name="visit_measure",
    ),
]
