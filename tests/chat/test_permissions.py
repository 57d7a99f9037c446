"""The chat permission matrix: every chat page and endpoint × anonymous, outsider, member, manager, admin.

Department rooms are for the department's members (admins included only if they are
members); a room or message one may not read answers 404 like a missing one; one that
can be read but not changed answers 403. Anonymous pages go to the login page, anonymous
API calls get 401. (The /ws/ frames have their matrix in test_consumers.py.)
"""

import pytest

from apps.chat import services
from apps.chat.models import Message, Room
from apps.departments.services import company_wide_department
from tests.matrix import cases, check, expect, matrix
from tests.shared_world import shared_world

pytestmark = pytest.mark.django_db


def _world(cast: dict) -> dict:
    member, colleague = cast["member"], cast["colleague"]
    sales = Room.objects.get(department=cast["department"])
    all_staff = services.chat_room_for_department(company_wide_department())
    group = services.group_room_create(acting_user=member, name="Pricing task force", member_ids=[colleague.pk])
    member_message, _ = services.message_send(acting_user=member, room_id=sales.pk, body="mine")
    colleague_message, _ = services.message_send(acting_user=colleague, room_id=sales.pk, body="theirs")
    return {
        "sales": sales.pk,
        "all_staff": all_staff.pk,
        "group": group.pk,
        "colleague": colleague.pk,
        "manager_id": cast["manager"].pk,
        "member_message": member_message.pk,
        "colleague_message": colleague_message.pk,
    }


shared = shared_world(_world)


HTML = matrix(
    ("get", "/chat/", None, expect(302, 302, 302, 302, 302)),
    ("get", "/chat/{sales}/", None, expect(302, 404, 200, 200, 404)),
    ("get", "/chat/{all_staff}/", None, expect(302, 200, 200, 200, 200)),
    ("get", "/chat/{group}/", None, expect(302, 404, 200, 404, 404)),
    ("post", "/chat/{sales}/send/", {"body": "hello"}, expect(302, 404, 302, 302, 404)),
    ("get", "/chat/{sales}/members/", None, expect(302, 404, 200, 200, 404)),
    ("get", "/chat/{group}/members/", None, expect(302, 404, 200, 404, 404)),
    ("post", "/chat/{group}/members/", {"action": "invite", "email": "manager@example.com"}, expect(302, 404, 302, 404, 404)),
    ("post", "/chat/{group}/members/", {"action": "remove", "user": "{colleague}"}, expect(302, 404, 302, 404, 404)),
    ("post", "/chat/{group}/members/", {"action": "rename", "name": "Renamed"}, expect(302, 404, 302, 404, 404)),
    ("get", "/chat/new/", None, expect(302, 200, 200, 200, 200)),
    ("post", "/chat/new/", {"name": "Book club", "members": "manager@example.com"}, expect(302, 302, 302, 302, 302)),
    ("get", "/chat/direct/?q=carl", None, expect(302, 200, 200, 200, 200)),
    ("post", "/chat/direct/", {"user": "{colleague}"}, expect(302, 302, 302, 302, 302)),
)  # fmt: skip

API = matrix(
    ("get", "/api/v1/chat/rooms/", None, expect(401, 200, 200, 200, 200)),
    ("get", "/api/v1/chat/rooms/{sales}/", None, expect(401, 404, 200, 200, 404)),
    ("get", "/api/v1/chat/rooms/{all_staff}/", None, expect(401, 200, 200, 200, 200)),
    ("get", "/api/v1/chat/rooms/{group}/", None, expect(401, 404, 200, 404, 404)),
    ("get", "/api/v1/chat/rooms/{sales}/messages/", None, expect(401, 404, 200, 200, 404)),
    ("post", "/api/v1/chat/rooms/{sales}/messages/", {"body": "hi"}, expect(401, 404, 201, 201, 404)),
    ("get", "/api/v1/chat/rooms/{sales}/members/", None, expect(401, 404, 200, 200, 404)),
    ("post", "/api/v1/chat/rooms/{sales}/read/", {"message": "{member_message}"}, expect(401, 404, 200, 200, 404)),
    ("post", "/api/v1/chat/rooms/", {"name": "Book club"}, expect(401, 201, 201, 201, 201)),
    ("patch", "/api/v1/chat/rooms/{group}/", {"name": "Renamed"}, expect(401, 404, 200, 404, 404)),
    ("post", "/api/v1/chat/rooms/{group}/members/", {"user": "{manager_id}"}, expect(401, 404, 201, 404, 404)),
    ("post", "/api/v1/chat/rooms/{sales}/members/", {"user": "{manager_id}"}, expect(401, 404, 403, 403, 404)),
    ("delete", "/api/v1/chat/rooms/{group}/members/{colleague}/", None, expect(401, 404, 204, 404, 404)),
    ("post", "/api/v1/chat/rooms/direct/", {"user": "{colleague}"}, expect(401, 201, 201, 201, 201)),
    ("get", "/api/v1/chat/messages/{member_message}/", None, expect(401, 404, 200, 200, 404)),
    ("patch", "/api/v1/chat/messages/{member_message}/", {"body": "edited"}, expect(401, 404, 200, 403, 404)),
    ("delete", "/api/v1/chat/messages/{colleague_message}/", None, expect(401, 404, 403, 204, 404)),
    ("get", "/api/v1/mentions/?room={sales}&q=c", None, expect(401, 404, 200, 200, 404)),
    ("get", "/api/v1/mentions/?room={all_staff}&q=c", None, expect(401, 200, 200, 200, 200)),
    ("get", "/api/v1/mentions/?room={group}&q=c", None, expect(401, 404, 200, 404, 404)),
)  # fmt: skip


@pytest.mark.parametrize(("route", "role"), cases(HTML + API))
def test_chat_pages_and_endpoints_check_permissions(shared, route, role):
    check(shared.client_as, shared.world, route, role)


def test_nothing_is_changed_by_a_refused_request(shared):
    client_as, world = shared.client_as, shared.world
    before = list(Message.objects.values_list("pk", "body", "deleted_at"))
    client_as("outsider").post(
        f"/api/v1/chat/rooms/{world['sales']}/messages/", {"body": "x"}, content_type="application/json"
    )
    client_as("outsider").delete(f"/api/v1/chat/messages/{world['member_message']}/")
    client_as("manager").patch(
        f"/api/v1/chat/messages/{world['member_message']}/", {"body": "not yours"}, content_type="application/json"
    )
    client_as("admin_user").post(f"/chat/{world['sales']}/send/", {"body": "x"})
    assert list(Message.objects.values_list("pk", "body", "deleted_at")) == before
