from django.urls import path

from hongyixing.accounts import admin_views, help, views

app_name = "accounts"
urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("second-factor/", views.second_factor_view, name="second_factor"),
    path("enrol/", views.enrol_view, name="enrol"),
    path("logout/", views.logout_view, name="logout"),
    path("tokens/", views.tokens_view, name="tokens"),
    path("tokens/<key:token_id>/revoke/", views.revoke_token_view, name="revoke_token"),
    path("first-password/", admin_views.first_password_view, name="first_password"),
    path("password/", admin_views.password_view, name="password"),
    path("users/", admin_views.users_view, name="users"),
    path("users/<key:user_id>/", admin_views.user_view, name="user"),
    path("users/<key:user_id>/<slug:action>/", admin_views.user_action_view, name="user_action"),
    path(
        "users/<key:user_id>/grants/<key:grant_id>/remove/",
        admin_views.remove_grant_view,
        name="remove_grant",
    ),
    path("help/", help.help_index, name="help"),
    path("help/img/<str:name>", help.help_image, name="help_image"),
    path("help/<slug:page>/", help.help_page, name="help_page"),
]
