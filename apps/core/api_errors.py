"""Every API error is JSON with a human `detail` and a machine `code`."""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        # Services raise Django's ValidationError; present it like a serializer error.
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(detail=detail)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    if isinstance(exc, exceptions.ValidationError):
        response.data = {"detail": "The request has invalid fields.", "code": "invalid", "errors": data}
    elif isinstance(data, dict) and "detail" in data:
        code = getattr(data["detail"], "code", None) or "error"
        response.data = {"detail": str(data["detail"]), "code": code}
    return response
