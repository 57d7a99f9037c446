import pytest
from django.core.management import call_command

from apps.accounts.models import User
from apps.departments.models import Department, Membership
from apps.people.models import Profile
from tests.factories import logs_in

pytestmark = pytest.mark.django_db


def _counts():
    return (User.objects.count(), Department.objects.count(), Membership.objects.count(), Profile.objects.count())


def test_seed_demo_is_idempotent_and_the_demo_login_works(settings, capsys):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("seed_demo", "--users", "25", "--departments", "4")
    first = _counts()
    output = capsys.readouterr().out
    assert "Demo login: admin@example.com" in output
    call_command("seed_demo", "--users", "25", "--departments", "4")
    assert _counts() == first == (25, 5, first[2], 25)
    assert Profile.objects.exclude(photo="").count() == 25
    assert Profile.objects.exclude(bio_html="").count() == 25
    assert Membership.objects.filter(user__email="alice@example.com", department__slug="sales", role="manager").exists()
    assert Membership.objects.filter(user__email="bob@example.com", department__slug="sales", role="member").exists()
    assert logs_in("alice@example.com", "intranet-demo-2026")


def test_seed_demo_if_empty_leaves_an_existing_database_alone(capsys, member):
    call_command("seed_demo", "--if-empty")
    assert User.objects.count() == 1
    assert "not loaded again" in capsys.readouterr().out
