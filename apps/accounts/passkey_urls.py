from django.urls import path

from . import passkey_views

urlpatterns = [
    path("register/options/", passkey_views.register_options, name="passkey_register_options"),
    path("register/", passkey_views.register, name="passkey_register"),
    path("<id:passkey_id>/remove/", passkey_views.remove, name="passkey_remove"),
    path("login/options/", passkey_views.login_options, name="passkey_login_options"),
    path("login/", passkey_views.login, name="passkey_login"),
]
