"""A small world of real objects (one of each kind), and the hostile inputs the hardening tests send.

Used by the tests that walk every page and every API operation: each URL parameter gets
the id of an object that exists and that the member may read, so a request reaches the
view's real code rather than stopping at a 404.
"""

import re

from django.urls import URLPattern, URLResolver, get_resolver

from apps.accounts.models import User
from apps.chat import services as chat
from apps.chat.models import Room
from apps.departments.models import Department, Membership
from apps.feed import services as feed
from apps.notifications.services import notify
from apps.voting import services as voting

MAX_BIGINT = 2**63 - 1


def build_world(*, department: Department, member: User, manager: User, colleague: User) -> dict[str, object]:
    """Ids and slugs by URL parameter name; `member`, `manager` and `colleague` are in `department`."""
    post = feed.post_create(acting_user=colleague, department=department, body=f"Hello @**{member.display_name}**")
    comment = feed.comment_create(acting_user=colleague, post=post, body="First!")
    idea = voting.idea_create(acting_user=colleague, department=department, title="Dark mode")
    idea_comment = voting.comment_create(acting_user=colleague, idea=idea, body="Yes please")
    poll = voting.poll_create(
        acting_user=manager, department=department, question="Lunch?", kind="single", options=["Pizza", "Soup"]
    )
    room = chat.group_room_create(acting_user=member, name="Crew", member_ids=[colleague.pk])
    message, _ = chat.message_send(acting_user=colleague, room_id=room.pk, body="Hi", check_rate_limit=False)
    department_room = Room.objects.get(department=department)
    (notification,) = notify(recipients=[member], kind="mention", title="Look", url="/", actor=colleague)
    from apps.departments.services import department_create
    from apps.policies import services as policies
    from apps.questions import services as questions

    product = Department.objects.filter(slug="product").first() or department_create(acting_user=None, name="Product")
    question = questions.question_ask(
        acting_user=member, asking_department=department, departments=[product], title="When is the fix?",
        body="Customers ask.", confirm=True,
    )  # fmt: skip
    answer = questions.answer_create(acting_user=member, question=question, body="Next week.", confirm=True)
    # Product's policy: the cast (in Sales) has nothing to accept, so their writes are not refused.
    policy = policies.policy_create(acting_user=None, department=product, body="Be kind.", summary="First.")
    from apps.videos import services as videos
    from apps.videos.models import Video

    # A video as the worker leaves it (its files are not needed to reach the views' code).
    video = Video.objects.create(
        department=department, uploader=member, title="How we call", status="ready", duration=2
    )
    playlist = videos.playlist_create(acting_user=manager, department_ref=department.slug, title="Calls")
    upload = videos.upload_create(acting_user=member, department_ref=department.slug, length=10)
    from datetime import timedelta

    from django.utils import timezone

    from apps.plans import services as plans

    today = timezone.localdate()
    goal = plans.goal_create(acting_user=manager, department=department, data={
        "title": "Answer within a day", "description": "Questions answered in a day.", "unit": "%", "baseline": 50,
        "target": 90, "owner": member.pk, "serves_mission": True, "starts_on": today - timedelta(days=30),
        "due_on": today + timedelta(days=60),
    })  # fmt: skip
    routine = plans.routine_create(acting_user=manager, department=department, title="Weekly tips",
                                   owner_id=member.pk, cadence="weekly")  # fmt: skip
    slot = plans.slot_create(acting_user=manager, department=department, on=today, channel="post", theme="News",
                             owner_id=member.pk)  # fmt: skip
    review = plans.review_create(acting_user=manager, department=department, worked="Check-ins", changes="")
    role = plans.role_save(acting_user=manager, department=department, name="Host", duties="", holder_ids=[member.pk])
    calendar_secret = plans.calendar_feed_reset(acting_user=member).secret
    from apps.accounts.models import Passkey
    from apps.privacy.models import DataExport
    from apps.scim.models import ScimGroup

    passkey = Passkey.objects.create(user=member, name="Key", credential_id=b"world-key", public_key=b"-")
    return {
        "slug": department.slug,
        "user_id": colleague.pk,
        "post_id": post.pk,
        "comment_id": comment.pk,
        "idea_id": idea.pk,
        "idea_comment_id": idea_comment.pk,
        "poll_id": poll.pk,
        "room_id": room.pk,
        "department_room_id": department_room.pk,
        "message_id": message.pk,
        "notification_id": notification.pk,
        "membership_id": Membership.objects.get(department=department, user=colleague).pk,
        "question_id": question.pk,
        "answer_id": answer.pk,
        "policy_id": policy.pk,
        "video_id": video.pk,
        "playlist_id": playlist.pk,
        "upload_id": str(upload.pk),
        "goal_id": goal.pk,
        "routine_id": routine.pk,
        "slot_id": slot.pk,
        "review_id": review.pk,
        "role_id": role.pk,
        "secret": calendar_secret,
        "passkey_id": passkey.pk,
        "export_id": DataExport.objects.create(user=member).pk,
        "group_id": ScimGroup.objects.create(display_name="grp-world").pk,
    }


# Query strings that a person (or an attacker) can type: none of them may cause a server error.
HOSTILE_QUERIES = [
    "cursor=abc",
    "cursor=WyJhIiwiYiJd",  # base64 of ["a", "b"]: the old, unsigned keyset format, wrong types
    "cursor=cD1hYmM%3D",  # base64 of "p=abc": DRF's format, unsigned
    "cursor=" + "A" * 5000,
    "cursor=%00",
    "page_size=%C2%B2",  # a superscript two: str.isdigit() says yes, int() says no
    f"page_size={MAX_BIGINT + 1}",
    "page_size=-1",
    f"before={MAX_BIGINT + 1}",
    "before=abc",
    f"department={MAX_BIGINT + 1}",
    "department=%00",
    f"room={MAX_BIGINT + 1}",
    f"user={MAX_BIGINT + 1}",
    "user=abc",
    "month=9999-12",
    "month=0001-01",
    "month=2026-99",
    "sort=%27;drop",
    "status=nonsense",
    "unread=%FF",
    "fragment=comments",
    "next=https://evil.example/",
    "q=" + "x" * 3000,
    "q=%00%FF",
    "unknown=1&another=%FF",
]


def every_route() -> list[tuple[str, URLPattern]]:
    """(route, pattern) for every URL of the project, e.g. ("people/<id:user_id>/", ...); format suffixes left out."""
    found = []

    def walk(resolver: URLResolver, prefix: str) -> None:
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                walk(entry, prefix + str(entry.pattern))
            elif "format" not in str(entry.pattern):
                found.append((prefix + str(entry.pattern), entry))

    walk(get_resolver(), "")
    return found


def fill_route(route: str, values: dict[str, object]) -> str:
    """A concrete path: each `<converter:name>` becomes `values[name]` (or the world's id for that name)."""
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), route).replace("^", "").replace("$", "")


def page_values(route: str, world: dict[str, object]) -> dict[str, object]:
    """What each parameter of an HTML route is filled with: the world's object of that kind."""
    comment = world["idea_comment_id"] if route.startswith("ideas/") else world["comment_id"]
    return {
        **world,
        "comment_id": comment,
        "path": "people/photos/none.jpg",
        "uidb64": "MQ",
        "token": "abc-def",
    }


# The API resource an `{id}` in an OpenAPI path names, by the path's first segment after /api/v1/.
_API_IDS = {
    "users": "user_id", "profiles": "user_id", "memberships": "membership_id", "notifications": "notification_id",
    "posts": "post_id", "comments": "comment_id", "rooms": "room_id", "messages": "message_id",
    "ideas": "idea_id", "polls": "poll_id", "questions": "question_id", "answers": "answer_id",
    "policies": "policy_id",
    "videos": "video_id", "video-playlists": "playlist_id",
    "goals": "goal_id", "routines": "routine_id", "slots": "slot_id", "reviews": "review_id", "roles": "role_id",
}  # fmt: skip


def api_values(path: str, world: dict[str, object]) -> dict[str, object]:
    """What each parameter of an OpenAPI path (`/api/v1/posts/{id}/`) is filled with."""
    resource = path.removeprefix("/api/v1/").removeprefix("chat/").split("/")[0]
    return {
        "id": world[_API_IDS[resource]] if resource in _API_IDS else None,
        "user_id": world["user_id"],
        "comment_id": world["idea_comment_id"],
        "slug": world["slug"],
    }


def fill_api_path(path: str, world: dict[str, object]) -> str:
    values = api_values(path, world)
    return re.sub(r"\{(\w+)\}", lambda m: str(values[m.group(1)]), path)


def api_operations() -> list[tuple[str, str, dict]]:
    """(method, OpenAPI path, operation) for every operation of the API schema."""
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    return [
        (method.upper(), path, operation)
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
    ]
