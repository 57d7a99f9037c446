"""Who is asking comes from the cache (apps.accounts.identity): no query once warm, and never stale.

A session ends through the session store, which drops its cached copy too; the user's
snapshot is dropped whenever the user or the profile is saved; both again after commit.
Each refusal below is of an old session cookie that the stale cache would otherwise accept.
"""

import asyncio

import pytest
from asgiref.sync import async_to_sync
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.test import Client

from apps.accounts import identity
from apps.accounts.models import User
from apps.accounts.services import user_deactivate, user_reactivate
from apps.realtime.handshake import resolve_session
from tests.factories import PASSWORD
from tests.sockets import refusal

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def cached_identity(settings):
    settings.IDENTITY_CACHE_SECONDS = 300  # as with Redis (the default without REDIS_URL is 0)


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    assert client.get("/ping").status_code == 200  # both copies are in the cache now
    return client


def replay(cookie: str) -> int:
    """A request from another browser that presents this old session cookie."""
    client = Client()
    client.cookies["sessionid"] = cookie
    return client.get("/ping").status_code


def cookie_of(client: Client) -> str:
    return client.cookies["sessionid"].value


def test_a_logged_in_page_asks_the_database_nothing_once_warm(member, django_assert_num_queries):
    client = Client()
    client.force_login(member)  # the session is stored in the database and the cache
    with django_assert_num_queries(1):  # the user with the profile, once
        assert client.get("/ping").status_code == 200
    with django_assert_num_queries(0):
        assert client.get("/ping").status_code == 200


def test_without_the_cache_each_page_asks_for_the_session_and_the_user(settings, member, django_assert_num_queries):
    settings.IDENTITY_CACHE_SECONDS = 0  # the embedded default (no Redis)
    client = signed_in(member)
    with django_assert_num_queries(2):
        assert client.get("/ping").status_code == 200


def test_a_deactivated_session_stays_ended_after_reactivation(member):
    cookie = cookie_of(signed_in(member))
    user_deactivate(acting_user=None, user=member)
    assert replay(cookie) == 302
    user_reactivate(acting_user=None, user=member)
    assert replay(cookie) == 302  # the cached copy of the session ended with its row


def test_a_password_change_ends_the_other_sessions(member):
    changing, other = signed_in(member), signed_in(member)
    response = changing.post(
        "/accounts/password/change/",
        {"old_password": PASSWORD, "new_password1": "x-new-secret-99", "new_password2": "x-new-secret-99"},
    )
    assert response.status_code == 302
    assert changing.get("/ping").status_code == 200  # Django re-signs the session that changed it
    assert replay(cookie_of(other)) == 302  # the cached user had the old password's hash


def test_logging_out_ends_the_cached_session(member):
    client = signed_in(member)
    cookie = cookie_of(client)
    assert client.post("/accounts/logout/").status_code == 302
    assert replay(cookie) == 302


def test_a_profile_change_is_seen_on_the_next_request(member):
    signed_in(member)
    profile = member.profile
    profile.display_name, profile.time_zone = "Mia Renamed", "Asia/Tokyo"
    profile.save()
    fresh = identity.user_for_session(member.pk)
    assert (fresh.display_name, fresh.profile.time_zone) == ("Mia Renamed", "Asia/Tokyo")


def test_a_snapshot_read_before_a_change_is_never_taken_for_the_new_version(member):
    version_key, snapshot_key = identity._keys(member.pk)
    seen = cache.get(version_key)  # a slow request sees the version, then reads the rows
    old_rows = identity._snapshot(User.objects.select_related("profile").get(pk=member.pk))
    member.is_active = False
    member.save()
    cache.set(snapshot_key, (seen, old_rows))  # ... and stores its copy after the change
    assert identity.user_for_session(member.pk).is_active is False


def test_copies_stored_again_before_the_commit_are_dropped_after_it(member, django_capture_on_commit_callbacks):
    client = signed_in(member)
    cookie = cookie_of(client)
    store = identity.SessionStore(cookie)
    session_copy = store.load()
    version_key, snapshot_key = identity._keys(member.pk)
    old_rows = identity._snapshot(User.objects.select_related("profile").get(pk=member.pk))
    with django_capture_on_commit_callbacks(execute=True):
        user_deactivate(acting_user=None, user=member)
        # A request on another connection, before the commit, still reads the old rows and caches them again.
        cache.set(snapshot_key, (cache.get(version_key), old_rows))
        store._cache.set(store.cache_key, session_copy, 300)
    assert replay(cookie) == 302  # the user's copy was dropped after the commit
    user_reactivate(acting_user=None, user=member)
    assert replay(cookie) == 302  # and the session's copy too


def test_with_the_cache_down_people_still_sign_in_and_out(settings, member):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": "redis://127.0.0.1:9/0"}}  # nothing listens on port 9  # fmt: skip
    client = Client()
    login = client.post("/accounts/login/", {"username": member.email, "password": PASSWORD})
    assert login.status_code == 302
    assert client.get("/ping").status_code == 200
    cookie = cookie_of(client)
    assert client.post("/accounts/logout/").status_code == 302
    assert replay(cookie) == 302


def test_the_websocket_handshake_uses_the_cached_identity(member):
    cookie = cookie_of(signed_in(member))
    session, user = async_to_sync(resolve_session)(cookie)
    assert user == member and user.display_name == "Mia Member" and session.session_key == cookie
    user_deactivate(acting_user=None, user=member)
    user_reactivate(acting_user=None, user=member)
    assert isinstance(async_to_sync(resolve_session)(cookie)[1], AnonymousUser)


@pytest.mark.needs_redis
def test_a_handshake_with_its_identity_in_the_cache_never_leaves_the_event_loop(member, colleague, thread_hops):
    """The session and the user are read from Redis on the loop: no thread, so a storm does not queue on threads.

    Before, each handshake ran its lookup on a thread (a few shared by all handshakes).
    """
    cookies = {cookie_of(signed_in(user)): user for user in (member, colleague)}

    async def handshakes():
        return await asyncio.gather(*(resolve_session(cookie) for cookie in cookies))

    resolved = asyncio.run(handshakes())
    assert thread_hops == []
    assert [user for _, user in resolved] == list(cookies.values())
    assert [session.session_key for session, _ in resolved] == list(cookies)
    assert [user.display_name for _, user in resolved] == [user.display_name for user in cookies.values()]


@pytest.mark.needs_redis
@pytest.mark.django_db(transaction=True)  # the lookup threads read on connections of their own
def test_a_handshake_whose_identity_missed_the_cache_reads_the_database_off_the_loop(member, thread_hops):
    cookie = cookie_of(signed_in(member))
    store = identity.SessionStore(cookie)
    store._cache.delete(store.cache_key)  # as after a Redis restart: neither the session ...
    cache.delete(identity._keys(member.pk)[1])  # ... nor the user is kept
    session, user = asyncio.run(resolve_session(cookie))
    assert user == member and user.display_name == "Mia Member" and session.session_key == cookie
    assert sorted(thread_hops) == ["SessionStore._load_record", "_user_read"]
    thread_hops.clear()
    assert asyncio.run(resolve_session(cookie))[1] == member  # ... and both are kept again
    assert thread_hops == []


@pytest.mark.django_db(transaction=True)
def test_a_handshake_with_the_cache_down_reads_the_database(settings, member):
    cookie = cookie_of(signed_in(member))
    settings.CACHES = {"default": {"BACKEND": "apps.core.cache.RedisCache",
                                   "LOCATION": "redis://127.0.0.1:9/0"}}  # nothing listens on port 9  # fmt: skip
    session, user = asyncio.run(resolve_session(cookie))
    assert user == member and session.session_key == cookie


@pytest.mark.django_db(transaction=True)
def test_a_handshake_after_a_password_change_is_nobody_and_ends_that_session(member):
    """Django's session hash check runs on the async path too, and its flush goes through our store."""
    cookie = cookie_of(signed_in(member))
    member.set_password("a-new-password-2026")
    member.save()
    assert isinstance(asyncio.run(resolve_session(cookie))[1], AnonymousUser)
    assert not Session.objects.filter(session_key=cookie).exists()
    assert replay(cookie) == 302


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_socket_with_an_ended_session_is_refused(member):
    from channels.db import database_sync_to_async

    from intranet.asgi import application

    def end_it() -> str:
        cookie = cookie_of(signed_in(member))
        user_deactivate(acting_user=None, user=member)
        user_reactivate(acting_user=None, user=member)
        return cookie

    cookie = await database_sync_to_async(end_it)()
    assert await refusal(application, cookie=cookie) == 4401


@pytest.fixture
def redis_commands(monkeypatch) -> list:
    """The commands this process sends to Redis through redis-py's sync and async clients."""
    import redis
    import redis.asyncio

    sent: list = []
    sync_original, async_original = redis.Redis.execute_command, redis.asyncio.Redis.execute_command

    def counted(self, *args, **options):
        sent.append(args[0])
        return sync_original(self, *args, **options)

    async def acounted(self, *args, **options):
        sent.append(args[0])
        return await async_original(self, *args, **options)

    monkeypatch.setattr(redis.Redis, "execute_command", counted)
    monkeypatch.setattr(redis.asyncio.Redis, "execute_command", acounted)
    return sent


@pytest.mark.needs_redis
def test_a_warm_page_reads_who_is_asking_in_one_redis_round_trip(member, redis_commands):
    """The session's copy and the user's version and snapshot in one MGET (before: a GET, then an MGET)."""
    cookie = cookie_of(signed_in(member))
    redis_commands.clear()
    assert replay(cookie) == 200
    assert redis_commands == ["MGET"]


@pytest.mark.needs_redis
def test_a_warm_handshake_reads_who_is_asking_in_one_redis_round_trip(member, redis_commands):
    cookie = cookie_of(signed_in(member))
    redis_commands.clear()
    session, user = asyncio.run(resolve_session(cookie))
    assert user == member and session.session_key == cookie and redis_commands == ["MGET"]


@pytest.mark.needs_redis
def test_what_a_request_read_of_its_user_serves_no_one_after_it(member, colleague):
    """The user read along with a session is used only while that session is being resolved."""
    cookie = cookie_of(signed_in(member))
    assert replay(cookie) == 200  # this read brought the member's version and snapshot along
    user_deactivate(acting_user=None, user=member)
    assert identity.user_for_session(member.pk).is_active is False  # not what the request read
    assert replay(cookie) == 302


@pytest.mark.needs_redis
def test_a_session_that_names_another_user_than_remembered_reads_its_own(member, colleague):
    """A wrong guess of whose session it is costs a read, never the wrong person."""
    cookie = cookie_of(signed_in(member))
    identity._users_of_sessions[cookie] = colleague.pk  # as if this process had seen it as the colleague's
    client = Client()
    client.cookies["sessionid"] = cookie
    response = client.get("/people/me/edit/")
    assert response.status_code == 200 and response.wsgi_request.user == member
    assert identity._users_of_sessions[cookie] == member.pk
