from django.contrib.auth.decorators import login_not_required
from django.urls import path

from .oidc import CallbackView, SignInView

urlpatterns = [
    path("authenticate/", login_not_required(SignInView.as_view()), name="oidc_authentication_init"),
    path("callback/", login_not_required(CallbackView.as_view()), name="oidc_authentication_callback"),
]
