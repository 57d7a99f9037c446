"""The people and departments every test meets, in one place.

The per-test fixtures (tests/conftest.py) and the once-per-module world of the permission
matrices (tests/shared_world.py) both build them here, so they are the same people.
"""

from pathlib import Path

from apps.accounts.models import User
from apps.departments.models import Department
from tests.factories import DepartmentFactory, UserFactory, add_member


def sales() -> Department:
    return DepartmentFactory(name="Sales", description="We sell.", mission="Win **fairly**.")


def legal() -> Department:
    return DepartmentFactory(name="Legal", description="Contracts.")


def member(sales: Department) -> User:
    user = UserFactory(email="member@example.com", display_name="Mia Member", bio="I like **pricing**.")
    add_member(sales, user)
    return user


def colleague(sales: Department) -> User:
    """A second plain member of Sales: for checks of one member against another member's content."""
    user = UserFactory(email="colleague@example.com", display_name="Carl Colleague")
    add_member(sales, user)
    return user


def manager(sales: Department) -> User:
    user = UserFactory(email="manager@example.com", display_name="Max Manager")
    add_member(sales, user, "manager")
    return user


def outsider(legal: Department) -> User:
    user = UserFactory(email="outsider@example.com", display_name="Olga Outsider")
    add_member(legal, user)
    return user


def admin_user() -> User:
    return UserFactory(email="admin@example.com", display_name="Ada Admin", is_staff=True)


def everyone() -> dict[str, object]:
    """The whole cast by fixture name: `department` (Sales), `other_department` (Legal) and the people."""
    department, other_department = sales(), legal()
    return {
        "department": department,
        "other_department": other_department,
        "member": member(department),
        "colleague": colleague(department),
        "manager": manager(department),
        "outsider": outsider(other_department),
        "admin_user": admin_user(),
    }


def isolated_settings(tmp: Path) -> dict[str, object]:
    """What every test runs with: fast hashing, its own media folder and its own cache namespace."""
    import copy
    import uuid

    from django.conf import settings

    caches = copy.deepcopy(settings.CACHES)
    # Counters such as rate limits live in the cache (Redis in CI), and ids repeat from one test to the next.
    caches["default"]["KEY_PREFIX"] = f"test-{uuid.uuid4().hex}"
    return {
        "PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"],
        "REALTIME_CHECK_FRAMES": True,  # every event a service sends must match its declaration
        "MEDIA_ROOT": tmp / "media",
        "CACHES": caches,
        # The session and the user from the cache, as in production (with Redis): one process, one cache.
        "IDENTITY_CACHE_SECONDS": 300,
    }
