"""The policy page comes first: someone with a policy to accept sees it on their next page load.

Not a banner: the page they asked for is replaced by a redirect to the policy's full text
with "I have read and accept" (`views.accept`), which sends them on to where they were
going. They may choose to only read for now (the choice lasts for this session and these
versions); writing stays refused everywhere until they accept (`gate.write_gate`).

Only page navigations are stopped: the API, uploads, static files, the login pages and
fragments a page fetches for itself pass (a browser says so in `Sec-Fetch-Mode`). The
check costs no query once the cache is warm (see `gate`).
"""

from collections.abc import Callable
from urllib.parse import quote

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from . import gate

READ_ONLY_SESSION_KEY = "policies_read_only"
EXEMPT_PREFIXES = ("/policies/", "/api/", "/media/", "/static/", "/accounts/", "/admin/", "/healthz", "/ping", "/ws/")
EXEMPT_PREFIXES += ("/livez", "/readyz")  # the health checks, like /healthz


def pending_fingerprint(pending: list[gate.Requirement]) -> str:
    """Which versions the person chose to only read for now: a new version asks again."""
    return ",".join(sorted(f"{r.policy_id}:{r.version}" for r in pending))


class PolicyAcceptanceMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs) -> HttpResponse | None:
        if request.method not in ("GET", "HEAD") or request.path.startswith(EXEMPT_PREFIXES):
            return None
        if request.headers.get("Sec-Fetch-Mode", "navigate") != "navigate" or "fragment" in request.GET:
            return None  # a page fetching a piece of itself
        user = request.user
        if not (user.is_authenticated and user.is_active):
            return None
        pending = gate.pending_for(user)
        if not pending or request.session.get(READ_ONLY_SESSION_KEY) == pending_fingerprint(pending):
            return None
        return HttpResponseRedirect(f"{reverse('policies:accept')}?next={quote(request.get_full_path())}")
