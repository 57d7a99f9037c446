"""Live questions and policies over real /ws/ connections: who watches what, and the frames services send."""

import pytest
from asgiref.sync import sync_to_async
from channels.layers import channel_layers
from django.db import transaction

from apps.chat.models import Room
from apps.departments.services import company_wide_department
from apps.policies import services as policy_services
from apps.questions import services
from tests.sockets import open_socket

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def application():
    from intranet.asgi import application

    channel_layers.backends.clear()
    yield application
    channel_layers.backends.clear()


def _committed(func, **kwargs):
    with transaction.atomic():
        return func(**kwargs)


async def test_the_askers_page_hears_an_answer_and_the_acceptance_live(
    application, secret, member, product_member, outsider
):
    watcher = await open_socket(application, member)
    await watcher.send({"type": "watch", "topic": f"question:{secret.pk}"})
    assert (await watcher.next("watching"))["topic"] == f"question:{secret.pk}"
    stranger = await open_socket(application, outsider)
    await stranger.send({"type": "watch", "topic": f"question:{secret.pk}"})
    assert (await stranger.next("error"))["code"] == "unknown_topic"

    answer = await sync_to_async(_committed)(
        services.answer_create, acting_user=product_member, question=secret, body="No, it stays open."
    )
    frame = await watcher.next("question.updated")
    assert frame == {"type": "question.updated", "question": secret.pk, "change": "answer", "status": "open",
                     "answer_count": 1, "comment_count": 0}  # fmt: skip
    await sync_to_async(_committed)(services.answer_accept, acting_user=member, answer=answer)
    assert (await watcher.next("question.updated"))["change"] == "accepted"
    assert await stranger.nothing()
    await watcher.close()
    await stranger.close()


async def test_the_department_asked_sees_its_inbox_change_live(
    application, department, product, member, product_member
):
    inbox = await open_socket(application, product_member)
    await inbox.send({"type": "watch", "topic": f"questions:{product.pk}"})
    await inbox.next("watching")
    question = await sync_to_async(_committed)(
        services.question_ask, acting_user=member, asking_department=department, departments=[product],
        title="Price list?", body="For the fair",
    )  # fmt: skip
    assert await inbox.next("questions.inbox") == {
        "type": "questions.inbox", "department": product.pk, "question": question.pk, "change": "asked",
    }  # fmt: skip
    await inbox.close()


async def test_a_chat_message_the_policy_warns_about_gets_an_error_frame_with_the_matches(
    application, department, member, admin_user
):
    def setup():
        company = company_wide_department()
        policy = policy_services.policy_create(acting_user=admin_user, department=company, body="Rules",
                                               never_share_words=["salary"])  # fmt: skip
        policy_services.policy_accept(acting_user=member, policy=policy, version=1)
        return Room.objects.get(department=department).pk

    room = await sync_to_async(setup)()
    socket = await open_socket(application, member)
    await socket.send({"type": "chat.send", "room": room, "body": "Salary review tomorrow", "client_id": None})
    error = await socket.next("error")
    assert error["code"] == "policy_warning" and error["errors"] == {"matches": ["Salary"]}
    await socket.send({"type": "chat.send", "room": room, "body": "Salary review tomorrow", "confirm": True})
    assert (await socket.next("chat.message"))["message"]["body"] == "Salary review tomorrow"
    await socket.close()


async def test_an_unaccepted_policy_refuses_a_chat_message_with_its_code(application, department, member, manager):
    def setup():
        policy_services.policy_create(acting_user=manager, department=department, body="Sales rules")
        return Room.objects.get(department=department).pk

    room = await sync_to_async(setup)()
    socket = await open_socket(application, member)
    await socket.send({"type": "chat.send", "room": room, "body": "hello"})
    error = await socket.next("error")
    assert error["code"] == "policy_not_accepted" and "/policies/accept/" in error["detail"]
    await socket.close()


async def test_policy_readers_hear_of_new_versions_and_editors_of_acceptances(application, department, member, manager):
    policy = await sync_to_async(policy_services.policy_create)(acting_user=manager, department=department, body="v1")
    reader = await open_socket(application, member)
    editor = await open_socket(application, manager)
    await reader.send({"type": "watch", "topic": f"policy:{policy.pk}"})
    await reader.next("watching")
    await sync_to_async(_committed)(policy_services.policy_accept, acting_user=member, policy=policy, version=1)
    assert await editor.next("policy.acceptances") == {
        "type": "policy.acceptances", "policy": policy.pk, "version": 1, "accepted": 1, "total": 2,
    }  # fmt: skip
    await sync_to_async(_committed)(
        policy_services.policy_publish_version, acting_user=manager, policy=policy, body="v2", summary="Stricter"
    )
    assert await reader.next("policy.version") == {
        "type": "policy.version", "policy": policy.pk, "version": 2, "needs_acceptance": True,
    }  # fmt: skip
    await reader.close()
    await editor.close()
