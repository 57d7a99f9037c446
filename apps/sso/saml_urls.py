from django.contrib.auth.decorators import login_not_required
from django.urls import path

from .saml import AcsView, SignInView, metadata

urlpatterns = [
    path("login/", login_not_required(SignInView.as_view()), name="saml2_login"),
    path("acs/", login_not_required(AcsView.as_view()), name="saml2_acs"),
    path("metadata/", login_not_required(metadata), name="saml2_metadata"),
]
