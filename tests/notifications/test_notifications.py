import pytest
from asgiref.sync import sync_to_async
from django.db import transaction

from apps.notifications.models import Notification
from apps.notifications.services import notify
from tests.factories import DepartmentFactory, UserFactory, add_member
from tests.sockets import open_socket

pytestmark = pytest.mark.django_db


def test_notify_skips_the_actor_the_inactive_and_those_who_cannot_see_the_department(
    department, member, manager, outsider
):
    retired = UserFactory(display_name="Retired")
    add_member(department, retired)
    retired.is_active = False
    retired.save()
    created = notify(
        recipients=[member, manager, outsider, retired],
        kind="mention",
        title="You were mentioned",
        url="/x/",
        actor=manager,
        department=department,
    )
    assert [n.recipient for n in created] == [member]


def test_the_inbox_lists_only_ones_own_notifications_and_marks_them_read(client_as, member, outsider):
    notify(recipients=[member], kind="test", title="For Mia", url="/departments/sales/")
    notify(recipients=[outsider], kind="test", title="For Olga", url="/")
    client = client_as("member")
    page = client.get("/notifications/").content.decode()
    assert "For Mia" in page and "For Olga" not in page
    mine = Notification.objects.get(recipient=member)
    theirs = Notification.objects.get(recipient=outsider)
    assert client.get(f"/notifications/{theirs.pk}/").status_code == 404
    response = client.get(f"/notifications/{mine.pk}/")
    assert response.status_code == 302 and response["Location"] == "/departments/sales/"
    mine.refresh_from_db()
    assert mine.read_at is not None
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_an_offsite_url_is_never_followed(client_as, member):
    notification = notify(recipients=[member], kind="test", title="Phish", url="https://evil.example.net/")[0]
    response = client_as("member").get(f"/notifications/{notification.pk}/")
    assert response["Location"] == "/notifications/"


def test_the_badge_shows_the_unread_count_on_every_page(client_as, member):
    notify(recipients=[member], kind="test", title="One", url="/")
    notify(recipients=[member], kind="test", title="Two", url="/")
    html = client_as("member").get("/").content.decode()
    assert 'id="notification-badge"' in html and 'aria-label="2 unread notifications"' in html


def test_the_api_lists_counts_and_marks_read(client_as, member):
    notify(recipients=[member], kind="test", title="One", url="/")
    client = client_as("member")
    assert client.get("/api/v1/notifications/unread-count/").json() == {"unread_count": 1}
    listed = client.get("/api/v1/notifications/?unread=1").json()["results"]
    assert [n["title"] for n in listed] == ["One"]
    assert client.post("/api/v1/notifications/read-all/").json() == {"marked": 1}
    assert client.get("/api/v1/notifications/unread-count/").json() == {"unread_count": 0}


def test_marking_someone_elses_notification_read_answers_404_like_a_missing_one(client_as, member, outsider):
    (theirs,) = notify(recipients=[outsider], kind="test", title="Private", url="/")
    (mine,) = notify(recipients=[member], kind="test", title="Mine", url="/")
    client = client_as("member")
    for target in (theirs.pk, mine.pk + 1000, "abc", 2**63, 0):
        response = client.post(f"/api/v1/notifications/{target}/read/")
        assert response.status_code == 404, target
        assert response.json()["code"] in {"unknown_notification", "not_found"}
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert client.post(f"/api/v1/notifications/{mine.pk}/read/").json() == {"marked": 1}


@pytest.mark.parametrize(
    ("method", "url", "expected"),
    [("get", "/notifications/", {"anonymous": 302, "member": 200}), ("post", "/notifications/read-all/", {"anonymous": 302, "member": 302}),
     ("get", "/api/v1/notifications/", {"anonymous": 401, "member": 200}), ("post", "/api/v1/notifications/read-all/", {"anonymous": 401, "member": 200})],
)  # fmt: skip
@pytest.mark.parametrize("role", ["anonymous", "member"])
def test_notification_views_need_a_login(client_as, member, method, url, expected, role):
    assert getattr(client_as(role), method)(url).status_code == expected[role]


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_notification_arrives_live_with_the_new_unread_count():
    from intranet.asgi import application

    user = await sync_to_async(UserFactory)(email="live@example.com")
    department = await sync_to_async(DepartmentFactory)()
    await sync_to_async(add_member)(department, user)
    socket = await open_socket(application, user)

    def notify_in_a_transaction():
        with transaction.atomic():
            notify(recipients=[user], kind="mention", title="Ping", url="/", department=department)

    await sync_to_async(notify_in_a_transaction)()
    frame = await socket.receive()
    assert frame["type"] == "notification"
    assert frame["notification"]["title"] == "Ping" and frame["unread_count"] == 1
    await socket.close()
