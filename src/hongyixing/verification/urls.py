from django.urls import path

from hongyixing.verification import views

app_name = "verification"
urlpatterns = [
    path("", views.batches, name="batches"),
    path("batches/<key:batch_id>/", views.batch_detail, name="batch"),
    path("batches/<key:batch_id>/export.xlsx", views.batch_export, name="batch_export"),
    path("batches/<key:batch_id>/rows/<key:row_id>/route/", views.route_row, name="route_row"),
    path("batches/<key:batch_id>/rows/route/", views.route_rows, name="route_rows"),
    path("desk/", views.desk, name="desk"),
    path("desk/bulk/", views.desk_bulk, name="desk_bulk"),
    path("my/", views.my_tasks, name="my_tasks"),
    path("supervision/", views.supervision, name="supervision"),
    path("tasks/<key:task_id>/", views.task_detail, name="task"),
    path("tasks/<key:task_id>/feedback/", views.task_feedback, name="task_feedback"),
    path("tasks/<key:task_id>/transition/", views.task_transition, name="task_transition"),
    path("tasks/<key:task_id>/call/", views.task_call, name="task_call"),
]
