from django import forms
from django.core.exceptions import ValidationError


def add_validation_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form, beside the field it names where there is one."""
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)
