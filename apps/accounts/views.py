from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse

from .services import close_session_sockets


class LogoutView(auth_views.LogoutView):
    """Log out, and close the WebSockets this browser session opened."""

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        session_key = request.session.session_key
        response = super().post(request, *args, **kwargs)
        if session_key:
            close_session_sockets(session_key)
        return response
