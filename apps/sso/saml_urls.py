from django.contrib.auth.decorators import login_not_required
from django.urls import path
from django.utils.decorators import decorator_from_middleware
from djangosaml2.middleware import SamlSessionMiddleware

from apps.core.lanes import slow_lane

from .saml import AcsView, SignInView, metadata

# djangosaml2's own session (the requests in flight, across the IdP's cross-site POST), on its two views
# only: as a site-wide middleware it would cost every page a sync hop under ASGI.
saml_session = decorator_from_middleware(SamlSessionMiddleware)

urlpatterns = [
    path("login/", slow_lane(login_not_required(saml_session(SignInView.as_view()))), name="saml2_login"),
    path("acs/", slow_lane(login_not_required(saml_session(AcsView.as_view()))), name="saml2_acs"),
    path("metadata/", slow_lane(login_not_required(metadata)), name="saml2_metadata"),
]
