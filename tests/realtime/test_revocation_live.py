"""Revocation across processes: two real daphne processes on Redis, the change made through a third party.

The member has a socket on each process watching every registered topic kind; the manager
removes them from the department through the API of one process. Both sockets drop every
topic (the on-commit hook of that request reaches every process), and a later post of the
department reaches the manager's socket but neither of the member's.
"""

import os

import pytest
from channels.db import database_sync_to_async

from apps.departments.models import Membership
from tests.chat.servers import Daphne, daphne_env, start_all, stop_all
from tests.chat.test_scale_out import api, api_token
from tests.realtime.test_permissions import world  # noqa: F401 - fixture
from tests.realtime.test_revocation import LOST, every_topic, watch_all
from tests.sockets import NetSocket, cookie_for

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True), pytest.mark.needs_redis]


@pytest.fixture
def two_servers(transactional_db, tmp_path):
    env = daphne_env(redis_url=os.environ["REDIS_URL"], workdir=tmp_path)
    servers = start_all([Daphne(f"daphne-{name}", env, tmp_path / f"daphne-{name}.log") for name in "ab"])
    yield servers
    stop_all(servers)


async def test_a_removal_through_one_process_drops_every_topic_on_every_process(two_servers, world):  # noqa: F811
    a, b = two_servers
    member, manager = world["cast"]["member"], world["cast"]["manager"]
    topics = every_topic(world)
    on_a = await NetSocket(a, await cookie_for(member)).connect()
    on_b = await NetSocket(b, await cookie_for(member)).connect()
    watcher = await NetSocket(b, await cookie_for(manager)).connect()
    for socket in (on_a, on_b):
        await watch_all(socket, topics)
    await watch_all(watcher, [f"feed:{world['department']}"])

    membership = await database_sync_to_async(Membership.objects.get)(user=member, department_id=world["department"])
    token = await api_token(manager)
    status, _ = await api(a, "DELETE", f"/api/v1/memberships/{membership.pk}/", token)
    assert status == 204
    for socket in (on_a, on_b):
        frames = [await socket.next("unwatched") for _ in topics]
        assert {frame["topic"] for frame in frames} == set(topics)
        assert {frame["detail"] for frame in frames} == {LOST}

    slug = (await api(a, "GET", "/api/v1/departments/?page_size=100", token))[1]
    sales = next(d["slug"] for d in slug["results"] if d["id"] == world["department"])
    status, post = await api(a, "POST", "/api/v1/posts/", token, {"department": sales, "body": "After the removal"})
    assert status == 201, post
    assert (await watcher.next("feed.post"))["post"] == post["id"]
    assert await on_a.nothing() and await on_b.nothing()
    for socket in (on_a, on_b, watcher):
        await socket.close()
