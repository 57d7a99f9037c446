"""Demo chat history for `manage.py seed_demo`: idempotent, through the same services as the product."""

import random
from dataclasses import dataclass

from apps.accounts.models import User
from apps.core.demo import DemoContext, demo_email, demo_step
from apps.departments.access import readers_of
from apps.departments.models import Department

from . import services
from .models import Message, Room

LINES = [
    "Morning all! Coffee machine on 2nd floor is fixed ☕",
    "Has anyone got the **Q3 numbers** yet?",
    "Uploaded the slides to the team folder.",
    "Reminder: stand-up moves to *10:30* tomorrow.",
    "Thanks for the help with the customer call earlier 🙏",
    "Who's joining the webinar on Thursday?",
    "I'll take the support rota this week.",
    "Quick one: is the new process documented somewhere?",
    "Yes, see the pinned announcement in the feed.",
    "Great work on the launch, everyone!",
    "Lunch at 12:30? The new place across the street.",
    "Heads up: the VPN will be down for maintenance tonight 21:00-22:00.",
]


@dataclass
class ChatSeedResult:
    messages: int


def seed_chat(*, seed: int = 42, per_room: int = 8) -> ChatSeedResult:
    """A few messages in every department room that has none, a group room and a direct conversation."""
    rng = random.Random(f"{seed}-chat")
    services.ensure_department_rooms()
    created = 0
    for room in Room.objects.filter(kind=Room.Kind.DEPARTMENT).select_related("department").order_by("pk"):
        if Message.objects.filter(room=room).exists():
            continue
        authors = _members(room.department)
        sent = []
        for i in range(min(per_room, len(LINES)) if authors else 0):
            author = rng.choice(authors)
            body = LINES[(i + room.pk) % len(LINES)]
            if i == per_room - 1 and len(authors) > 1:
                other = rng.choice([a for a in authors if a.pk != author.pk])
                body = f"@**{other.display_name}** can you have a look at this today?"
            sent.append(
                services.message_send(acting_user=author, room_id=room.pk, body=body, check_rate_limit=False)[0]
            )
            created += 1
        if len(sent) > 2 and len(authors) > 1:
            created += _thread_reactions_and_pin(rng, room, sent[1], authors)
    alice = User.objects.filter(email=demo_email("alice")).select_related("profile").first()
    bob = User.objects.filter(email=demo_email("bob")).select_related("profile").first()
    if alice and bob:
        direct, new = services.direct_room(acting_user=alice, other_id=bob.pk)
        if new:
            for author, body in [(alice, "Hi Bob, got a minute for the Acme renewal?"), (bob, "Sure, call you in 5.")]:
                services.message_send(acting_user=author, room_id=direct.pk, body=body, check_rate_limit=False)
                created += 1
        if not Room.objects.filter(kind=Room.Kind.GROUP, name="Lunch club").exists():
            others = list(User.objects.filter(is_active=True).exclude(pk__in=[alice.pk, bob.pk]).order_by("pk")[:4])
            room = services.group_room_create(
                acting_user=alice,
                name="Lunch club",
                topic="Where and when",
                member_ids=[bob.pk, *(u.pk for u in others)],
            )
            services.message_send(acting_user=alice, room_id=room.pk, body=LINES[10], check_rate_limit=False)
            created += 1
    return ChatSeedResult(messages=created)


def _thread_reactions_and_pin(rng: random.Random, room: Room, message: Message, authors: list[User]) -> int:
    """What a lived-in room has: a few reactions, a short thread, one pinned message."""
    for person in rng.sample(authors, min(3, len(authors))):
        services.message_react(
            acting_user=person,
            message_id=message.pk,
            emoji=rng.choice(["thumbs_up", "heart", "party"]),
            check_rate_limit=False,
        )
    replier = next(a for a in authors if a.pk != message.author_id)
    services.message_send(
        acting_user=replier,
        room_id=room.pk,
        body="On it, will share by noon.",
        parent_id=message.pk,
        check_rate_limit=False,
    )
    services.message_pin(acting_user=message.author, message_id=message.pk, pinned=True)
    return 1


@demo_step("chat.history", after=["departments.memberships", "people.profiles"], atomic=False)
def seed_chat_step(ctx: DemoContext) -> str:
    """Rooms that already have messages are left alone."""
    return f"{seed_chat(seed=ctx.seed).messages} new chat messages"


def _members(department: Department) -> list[User]:
    return list(readers_of(department).select_related("profile").order_by("pk")[:30])
