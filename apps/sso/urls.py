from django.contrib.auth.decorators import login_not_required
from django.urls import path

from apps.core.lanes import slow_lane

from .oidc import CallbackView, SignInView

urlpatterns = [
    path("authenticate/", slow_lane(login_not_required(SignInView.as_view())), name="oidc_authentication_init"),
    path("callback/", slow_lane(login_not_required(CallbackView.as_view())), name="oidc_authentication_callback"),
]
