"""One world per module for the permission matrices: built once, each test in a savepoint of it.

A matrix row is one request, but building its departments, cast and objects through the
real services cost ten times the request (plans: 160 s of setup for 380 rows). A module
whose every test uses `shared` builds them once, inside a transaction that is rolled back
after the module's last test. Each test runs in a savepoint inside it (pytest-django's own
per-test atomic block), so whatever a row writes is undone before the next row, and each
test gets its own copies of the objects.

    def _world(cast):                       # the cast: tests.cast.everyone()
        post = feed.post_create(acting_user=cast["member"], ...)
        return {"post": post.pk}

    shared = shared_world(_world)

    @pytest.mark.parametrize(("route", "role"), cases(ROUTES))
    def test_pages_check_permissions(shared, route, role):
        check(shared.client_as, shared.world, route, role)

Only for modules whose tests all use it (checked): a test without it would run inside the
open transaction and see the world, and a transactional test cannot run inside it at all.
"""

import copy
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.db import transaction
from django.test import Client, override_settings

from tests import cast


@dataclass(frozen=True)
class Shared:
    people: dict[str, object]
    objects: dict[str, object]
    media: Path

    def copy_media(self, to: Path) -> None:
        """The files the world's objects point at, copied into a test's own media folder (files do not roll back)."""
        if self.media.exists():
            shutil.copytree(self.media, to, dirs_exist_ok=True)

    @property
    def world(self) -> dict[str, object]:
        return copy.deepcopy(self.objects)

    def person(self, role: str) -> object:
        """A copy of one of the cast (a `User`), so that what a test changes on it stays in that test."""
        return copy.deepcopy(self.people[role])

    def client_as(self, role: str) -> Client:
        client = Client()
        if role != "anonymous":
            client.force_login(self.person(role))
        return client


def shared_world(
    build: Callable[[dict[str, object]], dict[str, object]], *, uses: tuple[str, ...] = ()
) -> Callable[..., object]:
    """A module-scoped `shared` fixture: the cast, and `build(cast)`'s dict as its world.

    `uses` names session-scoped fixtures that `build` needs (e.g. the video clips): they are
    passed to it in the same dict as the cast."""

    @pytest.fixture(scope="module")
    def shared(request, django_db_setup, django_db_blocker, tmp_path_factory):
        _all_tests_use_it(request)
        needs = {name: request.getfixturevalue(name) for name in uses}
        tmp = tmp_path_factory.mktemp("shared-world")
        isolated = cast.isolated_settings(tmp)
        with override_settings(**isolated):
            with django_db_blocker.unblock():
                outer = transaction.atomic()
                outer._from_testcase = True  # a durable block inside it behaves as inside a test's
                outer.__enter__()
            try:
                with django_db_blocker.unblock():
                    people = cast.everyone()
                    objects = build({**people, **needs})
                yield Shared(people=people, objects=objects, media=Path(isolated["MEDIA_ROOT"]))
            finally:
                with django_db_blocker.unblock():
                    transaction.set_rollback(True)
                    outer.__exit__(None, None, None)

    return shared


def _all_tests_use_it(request) -> None:
    others = [
        item.name
        for item in request.session.items
        if getattr(item, "module", None) is request.module and "shared" not in item.fixturenames
    ]
    if others:
        pytest.fail(f"{request.module.__name__}: every test of a shared-world module must use `shared`: {others}")
