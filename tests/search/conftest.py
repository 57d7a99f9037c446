"""A world where every searchable kind says "quokka", in departments the cast does and does not read."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.accounts.services import user_deactivate
from apps.chat import services as chat
from apps.chat.models import Room
from apps.feed import services as feed
from apps.feed.models import Attachment
from apps.plans import services as plans
from apps.questions import services as questions
from apps.search.tasks import extract_file_text
from apps.videos import services as videos
from apps.videos.models import Video
from apps.voting import services as voting
from tests.factories import DepartmentFactory, UserFactory, add_member
from tests.plans.conftest import goal_data

WORD = "quokka"


def _plan_in(department, manager, owner, *, tag: str) -> None:
    plans.plan_update(
        acting_user=manager, department=department, name=f"{tag.title()} plan", theme="", principles="",
        mission=f"Be the best {WORD} team of {tag}", review_period="monthly",
    )  # fmt: skip
    plans.goal_create(acting_user=manager, department=department, data=goal_data(owner, title=f"More {WORD} for {tag}"))


def _everything_in(department, author, *, tag: str, manager=None) -> None:
    post = feed.post_create(
        acting_user=author,
        department=department,
        body=f"The {WORD} report for {tag}",
        attachments=[SimpleUploadedFile(f"{tag}-notes.txt", f"{tag} notes about the {WORD}".encode(), "text/plain")],
        confirm=True,
    )
    feed.post_create(
        acting_user=author, department=department, body=f"Confidential {WORD} plan of {tag}", is_confidential=True,
        confirm=True,
    )  # fmt: skip
    feed.comment_create(acting_user=author, post=post, body=f"A {WORD} comment in {tag}")
    room = Room.objects.get(department=department)
    chat.message_send(acting_user=author, room_id=room.pk, body=f"{WORD} in the {tag} room", check_rate_limit=False)
    voting.idea_create(acting_user=author, department=department, title=f"{WORD} idea of {tag}")
    voting.poll_create(
        acting_user=manager or author, department=department, question=f"Which {WORD} for {tag}?", kind="single",
        options=["Small", "Large"],
    )  # fmt: skip
    # Videos: found by title, and by caption text only; never while processing.
    Video.objects.create(department=department, uploader=author, title=f"The {WORD} tour of {tag}", status="ready")
    spoken = Video.objects.create(department=department, uploader=author, title=f"Calls in {tag}", status="ready")
    videos.caption_save(acting_user=author, video_id=spoken.pk, language="en",
                        data=f"WEBVTT\n\n00:00:00.000 --> 00:00:01.000\nMeet the {WORD}.\n".encode())  # fmt: skip
    Video.objects.create(department=department, uploader=author, title=f"Unfinished {WORD} video")


@pytest.fixture
def quokka_world(department, other_department, member, colleague, manager, outsider, admin_user):
    """Every kind, in Sales (the cast's department) and in Legal (the outsider's), plus private and gone things."""
    _everything_in(department, colleague, tag="sales", manager=manager)
    legal_manager = UserFactory(display_name="Lena Legal")
    add_member(other_department, legal_manager, "manager")
    _everything_in(other_department, outsider, tag="legal", manager=legal_manager)
    product = DepartmentFactory(name=f"{WORD.title()} Product", description=f"Makes the {WORD} app.")
    _plan_in(department, manager, colleague, tag="sales")
    _plan_in(other_department, legal_manager, outsider, tag="legal")
    open_question = questions.question_ask(
        acting_user=colleague, asking_department=department, departments=[product], title=f"Open {WORD} question",
        body="Anyone?", confirm=True,
    )  # fmt: skip
    secret_question = questions.question_ask(
        acting_user=outsider, asking_department=other_department, departments=[product],
        title=f"Confidential {WORD} question", body="Legal only.", is_confidential=True, confirm=True,
    )  # fmt: skip
    for asker, question in ((colleague, open_question), (outsider, secret_question)):
        questions.answer_create(acting_user=asker, question=question, body=f"A {WORD} answer", confirm=True)
        questions.comment_create(acting_user=asker, question=question, body=f"A {WORD} follow-up", confirm=True)
    UserFactory(display_name=f"Quentin {WORD.title()}")
    # A private group room of the member and the colleague, and a person who has left.
    group = chat.group_room_create(acting_user=member, name="Crew", member_ids=[colleague.pk])
    chat.message_send(acting_user=colleague, room_id=group.pk, body=f"private {WORD} chat", check_rate_limit=False)
    leaver = UserFactory(display_name=f"Leo {WORD.title()}")
    add_member(department, leaver)
    direct, _ = chat.direct_room(acting_user=leaver, other_id=member.pk)
    chat.message_send(acting_user=leaver, room_id=direct.pk, body=f"my {WORD} secret", check_rate_limit=False)
    # The files' text, as the worker extracts it (the worker itself: test_extract.py).
    for attachment in Attachment.objects.all():
        extract_file_text.call("file", attachment.pk, attachment.file.name, attachment.content_type)
    user_deactivate(acting_user=None, user=leaver)
    return {"product": product, "group": group, "direct": direct, "leaver": leaver}
