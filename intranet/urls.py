from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from apps.accounts.api import TokenView, UserViewSet
from apps.accounts.views import LoginView, LogoutView, PasswordChangeView, two_factor_settings, two_factor_verify
from apps.core import observability
from apps.core import views as core_views
from apps.core.mentions_api import MentionSuggestionsView
from apps.core.routers import ApiRootRouter
from apps.departments.api import DepartmentViewSet, MembershipViewSet
from apps.feed import views as feed_views
from apps.files.views import protected_media
from apps.people.api import ProfileViewSet

router = ApiRootRouter()
router.register("users", UserViewSet, basename="user")
router.register("profiles", ProfileViewSet, basename="profile")
router.register("departments", DepartmentViewSet, basename="department")
router.register("memberships", MembershipViewSet, basename="membership")

accounts_patterns = [
    path("login/", LoginView.as_view(), name="login"),
    path("logout/", LogoutView.as_view(), name="logout"),
    path("two-factor/", two_factor_settings, name="two_factor_settings"),
    path("two-factor/verify/", two_factor_verify, name="two_factor_verify"),
    path("passkeys/", include("apps.accounts.passkey_urls")),
    path("password/change/", PasswordChangeView.as_view(), name="password_change"),
    path("password/change/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("password/reset/", auth_views.PasswordResetView.as_view(), name="password_reset"),
    path("password/reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(post_reset_login=False),
        name="password_reset_confirm",
    ),
    path("password/reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
]

urlpatterns = [
    path("", feed_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("livez", core_views.livez, name="livez"),
    path("readyz", core_views.readyz, name="readyz"),
    path("ping", core_views.ping, name="ping"),
    path("favicon.ico", core_views.favicon, name="favicon"),
    path("metrics", observability.metrics, name="metrics"),
    path("accounts/", include(accounts_patterns)),
    path("people/", include("apps.people.urls")),
    path("departments/", include("apps.departments.urls")),
    path("media/<path:path>", protected_media, name="media"),
    path("notifications/", include("apps.notifications.urls")),
    path("feed/", include("apps.feed.urls")),
    path("chat/", include("apps.chat.urls")),
    path("ideas/", include("apps.voting.urls")),
    path("questions/", include("apps.questions.urls")),
    path("policies/", include("apps.policies.urls")),
    path("videos/", include("apps.videos.urls")),
    path("audit/", include("apps.audit.urls")),
    path("privacy/", include("apps.privacy.urls")),
    path("oidc/", include("apps.sso.urls")),
    path("saml2/", include("apps.sso.saml_urls")),
    path("scim/v2/", include("apps.scim.urls")),
    path("plans/", include("apps.plans.urls")),
    path("search/", include("apps.search.urls")),
    path("api/v1/", include(router.urls)),
    path("api/v1/", include("apps.notifications.api_urls")),
    path("api/v1/", include("apps.feed.api_urls")),
    path("api/v1/", include("apps.chat.api_urls")),
    path("api/v1/", include("apps.voting.api_urls")),
    path("api/v1/", include("apps.questions.api_urls")),
    path("api/v1/", include("apps.policies.api_urls")),
    path("api/v1/", include("apps.videos.api_urls")),
    path("api/v1/", include("apps.plans.api_urls")),
    path("api/v1/", include("apps.search.api_urls")),
    path("api/v1/auth/token/", TokenView.as_view(), name="api-token"),
    path("api/v1/mentions/", MentionSuggestionsView.as_view(), name="api-mentions"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its start-up script as a file, so the CSP needs no inline script;
    # people who are not logged in are sent to the login page rather than given a JSON 401.
    path("api/docs/", login_required(SpectacularSwaggerSplitView.as_view(url_name="api-schema")), name="api-docs"),
    path("admin/", admin.site.urls),
]

handler404 = "apps.core.error_pages.not_found"
handler403 = "apps.core.error_pages.forbidden"
handler400 = "apps.core.error_pages.bad_request"
handler500 = "apps.core.error_pages.server_error"
