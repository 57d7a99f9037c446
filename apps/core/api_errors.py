"""Every API error is JSON `{"detail", "code", "errors"?}`: the API's one mapping of `ServiceError`."""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .errors import INVALID_FIELDS, Invalid, RateLimited, ServiceError


def service_error_response(error: ServiceError) -> Response:
    data: dict = {"detail": error.detail, "code": error.code}
    if error.errors:
        data["errors"] = error.errors
    headers = {}
    if isinstance(error, RateLimited) and error.retry_after is not None:
        headers["Retry-After"] = str(max(1, round(error.retry_after)))
    return Response(data, status=error.status, headers=headers)


def exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        exc = Invalid.from_validation_error(exc)  # e.g. a model's full_clean() in a serializer
    if isinstance(exc, ServiceError):
        return service_error_response(exc)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    if isinstance(exc, exceptions.ValidationError):
        response.data = {"detail": INVALID_FIELDS, "code": "invalid", "errors": data}
    elif isinstance(data, dict) and "detail" in data:
        code = getattr(data["detail"], "code", None) or "error"
        response.data = {"detail": str(data["detail"]), "code": code}
    return response
