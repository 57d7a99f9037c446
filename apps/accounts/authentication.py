from rest_framework import authentication


class TokenAuthentication(authentication.TokenAuthentication):
    """`Authorization: Token <key>`; inactive users are refused by DRF."""


class BearerTokenAuthentication(authentication.TokenAuthentication):
    """The same tokens, sent as `Authorization: Bearer <key>`."""

    keyword = "Bearer"
