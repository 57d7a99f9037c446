"""Factories that go through the same services as the product, so test data is real data."""

import io

import factory
from PIL import Image

from apps.accounts.models import User
from apps.accounts.services import user_create
from apps.departments.models import Department, Membership
from apps.departments.services import department_create, membership_set
from apps.people.services import profile_update

PASSWORD = "correct-horse-battery"


class UserFactory(factory.Factory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    display_name = factory.Sequence(lambda n: f"Person {n}")
    job_title = "Specialist"
    is_staff = False

    @classmethod
    def _create(cls, model_class, *, bio: str = "", **kwargs) -> User:
        user = user_create(acting_user=None, password=PASSWORD, **kwargs)
        if bio:
            profile_update(acting_user=None, profile=user.profile, bio=bio)
        return user


class DepartmentFactory(factory.Factory):
    class Meta:
        model = Department

    name = factory.Sequence(lambda n: f"Department {n}")
    description = "A team."
    mission = "Do **good** work."

    @classmethod
    def _create(cls, model_class, **kwargs) -> Department:
        return department_create(acting_user=None, **kwargs)


def add_member(department: Department, user: User, role: str = Membership.Role.MEMBER) -> Membership:
    return membership_set(acting_user=None, department=department, user=user, role=role)


def image_bytes(fmt: str = "JPEG", size: tuple[int, int] = (64, 48), colour: str = "steelblue", **save) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format=fmt, **save)
    return buffer.getvalue()


def logs_in(email: str, password: str, client=None) -> bool:
    """Log in through the real form (so login throttling sees it); True if it worked."""
    from django.test import Client

    client = client or Client()
    response = client.post("/accounts/login/", {"username": email, "password": password})
    return response.status_code == 302 and client.get("/").status_code == 200
