"""Erasure, beyond the rows: the polls a person asked, the files they uploaded, what others' open
pages show (over real sockets), cached cards, search, the audit entry, and constant queries."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from apps.audit.models import AuditEvent
from apps.chat.models import Message, MessageFile, Room
from apps.chat.services import message_send
from apps.feed.models import Attachment, Post, PostImage
from apps.feed.services import comment_create, post_create
from apps.privacy import services
from apps.voting import services as voting
from apps.voting.models import Poll, PollBallot

pytestmark = pytest.mark.django_db


def png() -> SimpleUploadedFile:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(buffer, "PNG")
    return SimpleUploadedFile("photo.png", buffer.getvalue(), content_type="image/png")


@pytest.fixture
def polls(member, colleague, department):
    """A poll the member asked (the colleague voted in it) and one the colleague asked (the member voted)."""
    asked = voting.poll_create(acting_user=member, department=department, question="MEMBER-POLL lunch?",
                               kind="single", options=["MEMBER-OPT-A", "MEMBER-OPT-B"])  # fmt: skip
    voting.poll_vote(acting_user=colleague, poll=asked, option_ids=[asked.options.first().pk])
    theirs = voting.poll_create(acting_user=colleague, department=department, question="Colleague's poll",
                                kind="single", options=["A", "B"])  # fmt: skip
    voting.poll_vote(acting_user=member, poll=theirs, option_ids=[theirs.options.first().pk])
    voting.poll_vote(acting_user=colleague, poll=theirs, option_ids=[theirs.options.last().pk])
    return asked, theirs


# --- polls


def test_remove_mode_deletes_the_polls_they_asked_and_takes_back_their_ballots(admin_user, member, colleague, polls,
                                                                               settings):  # fmt: skip
    from apps.search import services as search

    settings.ERASURE_CONTENT = "remove"
    asked, theirs = polls
    found = lambda: [(h.kind, h.object_id) for h in search.search(acting_user=colleague, q="MEMBER-POLL").hits]  # noqa: E731
    assert ("poll", asked.pk) in found()
    removed = services.person_erase(acting_user=admin_user, user=member)
    assert removed["polls"] == 1 and removed["poll ballots"] == 1
    assert not Poll.objects.filter(pk=asked.pk).exists()  # with its options and everyone's ballots
    assert not PollBallot.objects.filter(poll_id=asked.pk).exists()
    theirs.refresh_from_db()
    assert theirs.ballot_count == 1 and not PollBallot.objects.filter(voter=member).exists()
    assert ("poll", asked.pk) not in found()


def test_keep_mode_keeps_the_polls_they_asked_as_a_former_colleagues(admin_user, member, colleague, polls, settings,
                                                                     department):  # fmt: skip
    settings.ERASURE_CONTENT = "keep"
    asked, theirs = polls
    services.person_erase(acting_user=admin_user, user=member)
    asked.refresh_from_db()
    theirs.refresh_from_db()
    assert (asked.author_id, asked.ballot_count, theirs.ballot_count) == (member.pk, 1, 2)
    client = Client()
    client.force_login(colleague)
    page = client.get(asked.get_absolute_url()).content.decode()
    assert "asked by Former colleague" in page and "Mia Member" not in page


def test_the_export_holds_the_polls_they_asked_with_their_options(member, polls):
    from apps.privacy.export import collect

    asked, _ = polls
    (poll,) = collect(member)["polls.json"]
    assert (poll["id"], poll["question"], poll["options"]) == (asked.pk, "MEMBER-POLL lunch?",
                                                               ["MEMBER-OPT-A", "MEMBER-OPT-B"])  # fmt: skip


# --- files


@pytest.fixture
def uploads(member, colleague, department, other_department):
    from apps.feed.files import check_attachment
    from apps.questions import services as questions

    post = post_create(acting_user=member, department=department, body="MEMBER-POST with files",
                       attachments=[SimpleUploadedFile("plan.csv", b"MEMBER-FILE,1\n", content_type="text/csv")],
                       images=[png()])  # fmt: skip
    room = Room.objects.get(department=department)
    message, _ = message_send(acting_user=member, room_id=room.pk, body="MEMBER-MESSAGE with a file",
                              files=[check_attachment(SimpleUploadedFile("notes.txt", b"MEMBER-CHAT-FILE"))])  # fmt: skip
    other = post_create(acting_user=colleague, department=department, body="Colleague's post")
    # A colleague's row that names the same stored file as the member's chat file (e.g. copied over):
    # that file must stay.
    shared_name = MessageFile.objects.get(message=message).file.name
    Attachment.objects.create(post=other, file=shared_name, original_name="notes.txt", content_type="text/plain",
                              size=16)  # fmt: skip
    question = questions.question_ask(
        acting_user=member, asking_department=department, departments=[other_department], title="MEMBER-QUESTION",
        body="Body", attachments=[SimpleUploadedFile("q.txt", b"MEMBER-QUESTION-FILE", content_type="text/plain")],
    )  # fmt: skip
    return {"post": post, "message": message, "shared": shared_name, "question": question}


def test_remove_mode_deletes_their_files_rows_and_images_unless_another_row_names_them(
    admin_user, member, uploads, settings, django_capture_on_commit_callbacks
):
    from apps.questions.models import QuestionAttachment

    settings.ERASURE_CONTENT = "remove"
    post = uploads["post"]
    attachment = Attachment.objects.get(post=post)
    image = PostImage.objects.get(post=post)
    question_file = QuestionAttachment.objects.get(question=uploads["question"]).file.name
    names = [attachment.file.name, image.image.name, image.thumbnail.name, question_file]
    assert all(default_storage.exists(name) for name in [*names, uploads["shared"]])
    with django_capture_on_commit_callbacks(execute=True):
        removed = services.person_erase(acting_user=admin_user, user=member)
    assert (removed["post files"], removed["chat files"], removed["question files"]) == (3, 1, 1)
    assert not Attachment.objects.filter(post=post).exists() and not PostImage.objects.filter(post=post).exists()
    assert not MessageFile.objects.filter(message=uploads["message"]).exists()
    assert not QuestionAttachment.objects.filter(question=uploads["question"]).exists()
    assert not any(default_storage.exists(name) for name in names)  # the image's thumbnail too
    assert default_storage.exists(uploads["shared"])  # a colleague's attachment still names it


def test_keep_mode_keeps_their_files(admin_user, member, uploads, settings, django_capture_on_commit_callbacks):
    settings.ERASURE_CONTENT = "keep"
    name = Attachment.objects.get(post=uploads["post"]).file.name
    with django_capture_on_commit_callbacks(execute=True):
        services.person_erase(acting_user=admin_user, user=member)
    assert default_storage.exists(name) and MessageFile.objects.filter(message=uploads["message"]).exists()


def test_remove_mode_deletes_their_videos_as_video_delete_does(admin_user, member, department, settings,
                                                               django_capture_on_commit_callbacks):  # fmt: skip
    from apps.videos.models import Video

    settings.ERASURE_CONTENT = "remove"
    video = Video.objects.create(department=department, uploader=member, title="MEMBER-VIDEO",
                                 status=Video.Status.READY)  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert services.person_erase(acting_user=admin_user, user=member)["videos"] == 1
    video.refresh_from_db()
    assert video.deleted_at is not None and callbacks  # the worker is asked to remove its files
    from django_tasks_db.models import DBTaskResult

    assert DBTaskResult.objects.filter(task_path__endswith="remove_video_files").exists()


# --- cached cards, counters, audit


def test_no_cached_card_shows_their_name_after_erasure_in_keep_mode(admin_user, member, colleague, department,
                                                                    settings, django_capture_on_commit_callbacks):  # fmt: skip
    settings.ERASURE_CONTENT = "keep"
    post_create(acting_user=member, department=department, body="Kept post")
    theirs = post_create(acting_user=colleague, department=department, body="Colleague's post")
    comment_create(acting_user=member, post=theirs, body="Kept comment")
    reader = Client()
    reader.force_login(colleague)
    assert "Mia Member" in reader.get("/").content.decode()  # the cards are cached now
    with django_capture_on_commit_callbacks(execute=True):  # the cards are forgotten as the erasure commits
        services.person_erase(acting_user=admin_user, user=member)
    page = reader.get("/").content.decode()
    assert "Mia Member" not in page and "Former colleague" in page


def test_remove_mode_recounts_the_comments_of_others_posts(admin_user, member, colleague, department, settings):
    settings.ERASURE_CONTENT = "remove"
    theirs = post_create(acting_user=colleague, department=department, body="Colleague's post")
    comment_create(acting_user=member, post=theirs, body="MEMBER-COMMENT")
    comment_create(acting_user=colleague, post=theirs, body="Colleague's comment")
    services.person_erase(acting_user=admin_user, user=member)
    theirs.refresh_from_db()
    assert theirs.comment_count == 1


@pytest.mark.django_db(transaction=True)  # the worker commits, as in production
def test_erasure_and_exports_are_audited_with_before_and_after(admin_user, member, run_worker, settings):
    settings.ERASURE_CONTENT = "remove"
    export = services.export_request(acting_user=member)
    run_worker()
    ready = AuditEvent.objects.get(action="privacy.export_ready")
    assert (ready.target_id, ready.before, ready.after) == (member.pk, {"status": "pending"}, {"status": "ready"})
    assert ready.detail["export_id"] == export.pk and ready.detail["size"] > 0
    services.person_erase(acting_user=admin_user, user=member)
    erased = AuditEvent.objects.get(action="user.erased")
    assert erased.actor_id == admin_user.pk and erased.target_repr == f"erased-{member.pk}@erased.invalid"
    assert erased.before["is_active"] and erased.before["usable_password"] and erased.before["exports"] == 1
    assert erased.after == {"is_active": False, "is_staff": False, "is_superuser": False, "usable_password": False,
                            "photo": False, "second_factors": 0, "scim_identity": False, "exports": 0}  # fmt: skip
    assert member.email not in str(erased.before) + str(erased.after) + str(erased.detail)  # no one is named


# --- constant queries


def _write(member, colleague, department, room, n: int) -> None:
    theirs = post_create(acting_user=colleague, department=department, body="Colleague's post")
    for i in range(n):
        post_create(acting_user=member, department=department, body=f"MEMBER-POST {i}")
        comment_create(acting_user=member, post=theirs, body=f"MEMBER-COMMENT {i}")
    Message.objects.bulk_create(
        [Message(room=room, author=member, body=f"MEMBER-MESSAGE {i}", html="", revision=0) for i in range(n)]
    )


def _erasure_queries(admin_user, user) -> int:
    with CaptureQueriesContext(connection) as queries:
        services.person_erase(acting_user=admin_user, user=user)
    return len(queries)


def test_erasure_takes_as_many_queries_for_fifty_messages_posts_and_comments_as_for_two(department, admin_user,
                                                                                       colleague, settings):  # fmt: skip
    from tests.factories import UserFactory, add_member

    settings.ERASURE_CONTENT = "remove"
    room = Room.objects.get(department=department)
    counts = []
    for n, email in ((2, "few@example.com"), (50, "many@example.com")):
        person = UserFactory(email=email, display_name=email)
        add_member(department, person)
        _write(person, colleague, department, room, n)
        counts.append(_erasure_queries(admin_user, person))
    assert counts[0] == counts[1], counts
    assert not Message.objects.filter(body__startswith="MEMBER-", deleted_at__isnull=True).exists()
    assert not Post.objects.filter(body__startswith="MEMBER-").exists()  # blanked


def test_a_stored_file_is_named_by_no_remaining_row_before_it_goes(member, colleague, department,
                                                                   django_capture_on_commit_callbacks):  # fmt: skip
    from apps.privacy.removal import delete_files_on_commit

    name = default_storage.save("feed/attachments/shared.txt", ContentFile(b"x"))
    lone = default_storage.save("feed/attachments/lone.txt", ContentFile(b"y"))
    post = post_create(acting_user=colleague, department=department, body="Colleague's post")
    Attachment.objects.create(post=post, file=name, original_name="shared.txt", content_type="text/plain", size=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert delete_files_on_commit([name, lone]) == 1
    assert default_storage.exists(name) and not default_storage.exists(lone)
