"""The one error type of the services, with a machine `code` and a human `detail`.

A service refuses by raising a `ServiceError` subclass; what it means for the caller is
the subclass, what exactly went wrong is the `code`:

- `Invalid`: the input is wrong (400); `errors` names the fields where it can;
- `NotFound`: missing, or not the caller's to see (404: the same answer for both, so
  existence does not leak);
- `Forbidden`: visible, but the caller may not do this (403);
- `Conflict`: the input is fine but the state of things refuses it, e.g. "already
  voted", "already acknowledged", "poll closed" (409);
- `RateLimited` (429, with `retry_after`) and `Unavailable` (503).

Each is mapped once per surface: `apps.core.api_errors` for the API, `apps.core.forms`
and `ServiceErrorMiddleware` for HTML pages, `apps.realtime.consumers` for the socket's
`error` frame. `NotFound` and `Forbidden` are also Django's `Http404` and
`PermissionDenied`, so code that knows only Django still answers correctly.
"""

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

INVALID_FIELDS = "The request has invalid fields."


class ServiceError(Exception):
    status = 400

    def __init__(
        self,
        code: str,
        detail: str,
        *,
        errors: Mapping[str, Sequence[str]] | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail
        self.errors = {field: list(messages) for field, messages in (errors or {}).items()}
        self.retry_after = retry_after

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code!r}, {self.detail!r})"


class Invalid(ServiceError):
    status = 400

    @classmethod
    def field(cls, name: str, message: str, *, code: str = "invalid") -> "Invalid":
        """One field is wrong: the message is both the detail and the field's error."""
        return cls(code, message, errors={name: [message]})

    @classmethod
    def fields(cls, errors: Mapping[str, str | Sequence[str]], *, code: str = "invalid") -> "Invalid":
        as_lists = {name: [value] if isinstance(value, str) else list(value) for name, value in errors.items()}
        first = next(iter(as_lists.values()), [INVALID_FIELDS])
        detail = first[0] if len(as_lists) == 1 and len(first) == 1 else INVALID_FIELDS
        return cls(code, detail, errors=as_lists)

    @classmethod
    def from_validation_error(cls, error: ValidationError) -> "Invalid":
        """A model's `full_clean()` error, in the services' language."""
        if hasattr(error, "error_dict"):
            messages = {
                ("non_field_errors" if name == "__all__" else name): m for name, m in error.message_dict.items()
            }
            return cls.fields(messages)
        code = error.error_list[0].code if getattr(error, "error_list", None) else None
        return cls(code or "invalid", " ".join(error.messages))


class NotFound(ServiceError, Http404):
    status = 404


class Forbidden(ServiceError, PermissionDenied):
    status = 403


class Conflict(ServiceError):
    status = 409


class RateLimited(ServiceError):
    status = 429


class Unavailable(ServiceError):
    status = 503


# What a page shows beside its form or as a message; `NotFound` and `Forbidden` go to the
# 404 and 403 pages instead (the same answers as for a missing page or a refused one).
FORM_ERRORS = (Invalid, Conflict, RateLimited)


@contextmanager
def validating() -> Iterator[None]:
    """Turn a Django `ValidationError` raised inside (e.g. by `full_clean()`) into `Invalid`."""
    try:
        yield
    except ValidationError as error:
        raise Invalid.from_validation_error(error) from None


def require(allowed: bool, detail: str, *, code: str = "forbidden") -> None:
    """The common shape of an authorisation step in a service."""
    if not allowed:
        raise Forbidden(code, detail)
