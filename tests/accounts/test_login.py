import pytest
from django.test import Client

from tests.factories import PASSWORD, UserFactory, logs_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def bob(db):
    return UserFactory(email="bob@example.com", display_name="Bob")


def test_login_with_email_in_any_case_then_logout(bob):
    client = Client()
    response = client.post("/accounts/login/", {"username": "  BOB@Example.com", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/").status_code == 302


def test_a_wrong_password_gets_a_clear_message(bob):
    response = Client().post("/accounts/login/", {"username": "bob@example.com", "password": "nope-nope-nope"})
    assert response.status_code == 200
    assert "Please enter a correct email and password" in response.content.decode()


def test_repeated_failures_lock_the_login_even_with_the_right_password(bob, settings):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": "bob@example.com", "password": "guess-guess-guess"})
    response = client.post("/accounts/login/", {"username": "bob@example.com", "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many failed attempts" in response.content.decode()
    assert client.get("/").status_code == 302  # not logged in


def test_there_is_no_public_sign_up():
    assert Client().get("/accounts/signup/").status_code in {302, 404}
    assert Client().get("/accounts/register/").status_code in {302, 404}


def test_password_reset_sends_a_link_and_the_link_sets_a_new_password(bob, mailoutbox):
    client = Client()
    response = client.post("/accounts/password/reset/", {"email": "bob@example.com"})
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    link = next(line for line in mailoutbox[0].body.splitlines() if "/accounts/password/reset/" in line)
    path = link.split("testserver", 1)[1]
    form_page = client.get(path, follow=True)
    assert form_page.status_code == 200
    response = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "a-brand-new-secret-42", "new_password2": "a-brand-new-secret-42"},
    )
    assert response.status_code == 302
    assert logs_in("bob@example.com", "a-brand-new-secret-42")


def test_password_reset_for_an_unknown_address_reveals_nothing(mailoutbox, db):
    response = Client().post("/accounts/password/reset/", {"email": "nobody@example.com"})
    assert response.status_code == 302 and mailoutbox == []


def test_password_change_requires_the_old_password(bob):
    client = Client()
    client.force_login(bob)
    response = client.post(
        "/accounts/password/change/",
        {"old_password": "wrong-wrong-wrong", "new_password1": "x-new-secret-99", "new_password2": "x-new-secret-99"},
    )
    assert response.status_code == 200 and "incorrect" in response.content.decode()
    response = client.post(
        "/accounts/password/change/",
        {"old_password": PASSWORD, "new_password1": "x-new-secret-99", "new_password2": "x-new-secret-99"},
    )
    assert response.status_code == 302


def test_passwords_are_hashed_with_argon2_outside_tests(settings):
    from django.conf import settings as real

    assert "Argon2PasswordHasher" in real.PASSWORD_HASHERS[0] or settings.PASSWORD_HASHERS  # overridden in tests
    from intranet import settings as module

    assert module.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


def test_a_deactivated_user_is_logged_out_on_the_next_request(bob):
    from apps.accounts.services import user_deactivate

    client = Client()
    client.force_login(bob)
    user_deactivate(acting_user=None, user=bob)
    assert client.get("/").status_code == 302
