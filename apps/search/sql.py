"""The names and placeholders the search's own SQL is written with (services, visibility, back ends)."""

from django.db import connection

from apps.accounts.models import User
from apps.departments.models import Department
from apps.people.models import Profile

from .models import Document

DOCUMENTS = connection.ops.quote_name(Document._meta.db_table)
DEPARTMENTS = connection.ops.quote_name(Department._meta.db_table)
USERS = connection.ops.quote_name(User._meta.db_table)
PROFILES = connection.ops.quote_name(Profile._meta.db_table)
PROFILE_USER = connection.ops.quote_name(Profile._meta.get_field("user").column)


def placeholders(values: list) -> str:
    """One `%s` per value, for an `IN (...)` whose values are parameters."""
    return ", ".join(["%s"] * len(values))
