"""HTML forms: the one place a service's `Invalid` or `Conflict` is shown on a form."""

from django import forms

from .errors import ServiceError


def add_service_errors(form: forms.Form, error: ServiceError) -> None:
    """Show the error beside the fields it names, and what names no field of the form above it."""
    if not error.errors:
        form.add_error(None, error.detail)
        return
    for field, messages in error.errors.items():
        form.add_error(field if field in form.fields else None, messages)
