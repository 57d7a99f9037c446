"""The API schema documents the error answers every operation can give, so clients (and the fuzzer) know them.

Each error is `apps.core.api_errors`' JSON shape. Which statuses an operation documents
follows from the layers every request passes through, not from each view:

- 400: every request (its input must follow apps.core.input_rules; bad parameters);
- 401 and 403: every request (no or a wrong token; a right the caller lacks, CSRF);
- 404: operations with an object in the path (missing and not-yours alike);
- 409: every write (a service may refuse what the state of things does not allow).

An operation that can answer more (e.g. 429 when rate limited, 404 for a filter naming a
department) says so with `@error_responses(...)`; statuses an `@extend_schema` gives are kept.
"""

from collections.abc import Callable
from typing import TypeVar

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

F = TypeVar("F", bound=Callable)

WRITES = {"POST", "PUT", "PATCH", "DELETE"}
DESCRIPTIONS = {
    400: "The request is invalid: see `code`, and `errors` by field.",
    401: "Not logged in, or a wrong token.",
    403: "Not allowed.",
    404: "No such object, or not one the caller may see.",
    409: "Not possible in the current state of things (e.g. already done).",
    429: "Too many requests: wait for `Retry-After` seconds.",
    500: "A server error; `request_id` identifies it in the logs.",
}


@extend_schema_serializer(component_name="Error")
class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="For people.")
    code = serializers.CharField(help_text="For programs, e.g. `invalid`, `not_found`, `already_voted`.")
    errors = serializers.DictField(required=False, help_text="Messages by field, when fields are wrong.")
    request_id = serializers.CharField(required=False, help_text="On server errors: quote it when reporting.")


def error_responses(*statuses: int) -> Callable[[F], F]:
    """Statuses this view (or action) can answer beyond the ones every operation documents."""

    def decorate(view: F) -> F:
        view.error_statuses = frozenset(statuses)  # type: ignore[attr-defined]
        return view

    return decorate


class AutoSchema(SpectacularAutoSchema):
    def _get_response_bodies(self, direction: str = "response") -> dict:
        responses = super()._get_response_bodies(direction)
        for status in sorted(self._error_statuses()):
            if str(status) not in responses:
                responses[str(status)] = self._get_response_for_code(ErrorSerializer, str(status), direction=direction)
                responses[str(status)]["description"] = DESCRIPTIONS.get(status, "")
        return responses

    def _error_statuses(self) -> set[int]:
        statuses = {400, 401, 403}
        if "{" in self.path:
            statuses.add(404)
        if self.method in WRITES:
            statuses.add(409)
        handler = getattr(self.view, getattr(self.view, "action", None) or self.method.lower(), None)
        for owner in (self.view, handler):
            statuses |= getattr(owner, "error_statuses", frozenset())
        return statuses
