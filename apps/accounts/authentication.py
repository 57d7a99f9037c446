from django.http import HttpRequest
from rest_framework import authentication

from .models import User


class TokenAuthentication(authentication.TokenAuthentication):
    """`Authorization: Token <key>`; inactive users are refused by DRF."""


class BearerTokenAuthentication(authentication.TokenAuthentication):
    """The same tokens, sent as `Authorization: Bearer <key>`."""

    keyword = "Bearer"


def user_from_api_token(request: HttpRequest) -> User | None:
    """The user an `Authorization: Token|Bearer <key>` header names, for the few non-API views API clients use
    (the files the API links to); None when there is no such header.

    A wrong, revoked or inactive user's token raises DRF's `AuthenticationFailed`, as in the API.
    """
    for authenticator in (TokenAuthentication(), BearerTokenAuthentication()):
        if found := authenticator.authenticate(request):
            return found[0]
    return None
