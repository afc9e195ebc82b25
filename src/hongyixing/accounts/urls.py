from django.urls import path

from hongyixing.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("second-factor/", views.second_factor_view, name="second_factor"),
    path("enrol/", views.enrol_view, name="enrol"),
    path("logout/", views.logout_view, name="logout"),
    path("tokens/", views.tokens_view, name="tokens"),
    path("tokens/<key:token_id>/revoke/", views.revoke_token_view, name="revoke_token"),
]
