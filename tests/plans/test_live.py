"""Live plans over real WebSocket connections: only readers watch; check-ins, edits and slot moves arrive in their declared shapes."""

import pytest
from asgiref.sync import sync_to_async
from django.db import transaction

from apps.plans import services
from tests.factories import DepartmentFactory, UserFactory, add_member
from tests.sockets import open_socket

from .conftest import goal_data

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def application():
    from intranet.asgi import application

    return application


@pytest.fixture
def sales(transactional_db):
    department, legal = DepartmentFactory(name="Sales"), DepartmentFactory(name="Legal")
    people = {}
    for key, role, dept in (("mia", "member", department), ("max", "manager", department),
                            ("olga", "member", legal)):  # fmt: skip
        people[key] = UserFactory(email=f"{key}@example.com", display_name=key.title())
        add_member(dept, people[key], role)
    return department, people


def in_transaction(function, **kwargs):
    def run():
        with transaction.atomic():
            return function(**kwargs)

    return sync_to_async(run)()


async def test_a_check_in_an_edit_and_a_slot_move_reach_the_plans_readers_only(application, sales):
    department, people = sales
    topic = f"plan:{department.pk}"
    olga = await open_socket(application, people["olga"])
    await olga.send({"type": "watch", "topic": topic})
    assert (await olga.receive())["code"] == "unknown_topic"
    mia = await open_socket(application, people["mia"])
    await mia.send({"type": "watch", "topic": topic})
    assert await mia.receive() == {"type": "watching", "topic": topic}

    goal = await in_transaction(services.goal_create, acting_user=people["max"], department=department,
                                data=goal_data(people["mia"]))  # fmt: skip
    version = await mia.next("plan.version")
    assert version == {"type": "plan.version", "plan": department.pk, "version": 1,
                       "summary": f"Goal added: {goal.title}"}  # fmt: skip
    assert (await mia.next("plan.goal"))["percent"] == 0
    await in_transaction(services.check_in_record, acting_user=people["mia"], goal=goal, value="70")
    frame = await mia.next("plan.goal")
    assert frame == {"type": "plan.goal", "plan": department.pk, "goal": goal.pk, "value": "70.00", "percent": 50,
                     "status": "on_track", "status_label": "On track"}  # fmt: skip
    slot = await in_transaction(services.slot_create, acting_user=people["max"], department=department,
                                on=goal.due_on, channel="post", theme="Customer story", owner_id=people["mia"].pk)  # fmt: skip
    await in_transaction(services.slot_set_status, acting_user=people["mia"], slot=slot, status="draft")
    assert await mia.next("plan.slot") == {
        "type": "plan.slot", "plan": department.pk, "slot": slot.pk, "on": goal.due_on.isoformat(),
        "theme": "Customer story", "status": "draft", "status_label": "Draft", "post": None, "video": None,
    }  # fmt: skip
    assert await olga.nothing(timeout=0.2)
    for socket in (mia, olga):
        await socket.close()
