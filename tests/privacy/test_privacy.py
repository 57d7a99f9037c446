"""A person's own data: the export (built by the real worker, a real ZIP, a signed link that expires
and opens for its owner only) and an admin's erasure in both company modes, each audited."""

import io
import json
import zipfile

import pytest
from django.core.files.storage import default_storage
from django.test import Client

from apps.accounts.models import User
from apps.audit.models import AuditEvent
from apps.chat.models import Message
from apps.feed.models import REACTION_EMOJI, Comment, Post, Reaction
from apps.feed.services import comment_create, post_create
from apps.privacy import services
from apps.privacy.models import DataExport
from apps.voting.models import Idea, IdeaVote
from tests.matrix import cases, check, expect, matrix

pytestmark = pytest.mark.django_db
REACTION = next(iter(REACTION_EMOJI))


@pytest.fixture
def writings(member, colleague, department):
    """The member and a colleague each write in the department: posts, comments, a chat message, a vote."""
    from apps.chat.models import Room
    from apps.chat.services import message_send
    from apps.voting.services import idea_create, idea_vote

    mine = post_create(acting_user=member, department=department, body="MEMBER-POST about pricing")
    theirs = post_create(acting_user=colleague, department=department, body="COLLEAGUE-POST secret plans")
    comment_create(acting_user=member, post=theirs, body="MEMBER-COMMENT on yours")
    comment_create(acting_user=colleague, post=mine, body="COLLEAGUE-COMMENT on mine")
    room = Room.objects.get(department=department)
    message_send(acting_user=member, room_id=room.pk, body="MEMBER-MESSAGE hello")
    message_send(acting_user=colleague, room_id=room.pk, body="COLLEAGUE-MESSAGE hi")
    idea = idea_create(acting_user=colleague, department=department, title="COLLEAGUE-IDEA", description="")
    idea_vote(acting_user=member, idea=idea)
    return {"mine": mine, "theirs": theirs, "idea": idea}


@pytest.fixture
def more_writings(member, colleague, outsider, department, other_department, writings):
    """Ballots, questions, answers, comments and uploads by the member and, next to them, by others."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from apps.chat.models import Room
    from apps.chat.services import message_send
    from apps.feed.files import check_attachment
    from apps.questions import services as questions
    from apps.voting import services as voting

    poll = voting.poll_create(acting_user=colleague, department=department, question="COLLEAGUE-POLL",
                              kind="single", options=["COLLEAGUE-OPT-A", "COLLEAGUE-OPT-B"])  # fmt: skip
    secret = voting.poll_create(acting_user=colleague, department=department, question="COLLEAGUE-SECRET",
                                kind="single", options=["COLLEAGUE-X", "COLLEAGUE-Y"], is_anonymous=True)  # fmt: skip
    first, second = poll.options.all()
    voting.poll_vote(acting_user=member, poll=poll, option_ids=[second.pk])
    voting.poll_vote(acting_user=colleague, poll=poll, option_ids=[first.pk])
    voting.poll_vote(acting_user=member, poll=secret, option_ids=[secret.options.first().pk])
    lone = voting.idea_create(acting_user=member, department=department, title="MEMBER-IDEA alone", description="")
    discussed = voting.idea_create(acting_user=member, department=department, title="MEMBER-IDEA discussed")
    voting.comment_create(acting_user=colleague, idea=discussed, body="COLLEAGUE-IDEA-COMMENT")
    voting.comment_create(acting_user=member, idea=writings["idea"], body="MEMBER-IDEA-COMMENT")
    theirs = questions.question_ask(acting_user=outsider, asking_department=other_department,
                                    departments=[department], title="OUTSIDER-QUESTION", body="OUTSIDER-BODY")  # fmt: skip
    questions.answer_create(acting_user=member, question=theirs, body="MEMBER-ANSWER")
    questions.answer_create(acting_user=colleague, question=theirs, body="COLLEAGUE-ANSWER")
    questions.comment_create(acting_user=member, question=theirs, body="MEMBER-QUESTION-COMMENT")
    mine = questions.question_ask(acting_user=member, asking_department=department, departments=[other_department],
                                  title="MEMBER-QUESTION", body="MEMBER-QUESTION-BODY")  # fmt: skip
    questions.answer_create(acting_user=outsider, question=mine, body="OUTSIDER-ANSWER")
    csv = SimpleUploadedFile("member.csv", b"MEMBER-FILE,1\n", content_type="text/csv")
    post_create(acting_user=member, department=department, body="MEMBER-POST with a file", attachments=[csv])
    other = SimpleUploadedFile("colleague.csv", b"COLLEAGUE-FILE,2\n", content_type="text/csv")
    post_create(acting_user=colleague, department=department, body="COLLEAGUE-POST with a file", attachments=[other])
    room = Room.objects.get(department=department)
    upload = check_attachment(SimpleUploadedFile("notes.txt", b"MEMBER-CHAT-FILE bytes"))
    message_send(acting_user=member, room_id=room.pk, body="MEMBER-MESSAGE with a file", files=[upload])
    return {
        "writings_idea": writings["idea"],
        "poll": poll,
        "secret": secret,
        "lone": lone,
        "discussed": discussed,
        "theirs": theirs,
        "mine": mine,
    }


def export_ready(client: Client, run_worker) -> DataExport:
    assert client.post("/privacy/exports/").status_code == 302
    export = DataExport.objects.latest("pk")
    assert export.status == "pending"
    page = client.get("/privacy/").content.decode()
    assert "being prepared" in page  # the page shows progress until the worker is done
    assert client.get(f"/privacy/exports/{export.pk}/status/").json()["download_url"] is None
    run_worker()
    export.refresh_from_db()
    assert export.status == "ready"
    return export


@pytest.mark.django_db(transaction=True)  # the worker commits, as in production
def test_the_export_holds_the_persons_own_items_and_nobody_elses(member, writings, run_worker):
    client = Client()
    client.force_login(member)
    export = export_ready(client, run_worker)
    url = client.get(f"/privacy/exports/{export.pk}/status/").json()["download_url"]
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    files = {name: archive.read(name).decode() for name in archive.namelist()}
    everything = "".join(files.values())
    for own in ("MEMBER-POST", "MEMBER-COMMENT", "MEMBER-MESSAGE", member.email):
        assert own in everything
    assert "COLLEAGUE" not in everything  # not their post, comment, message or idea title
    assert json.loads(files["votes.json"])[0]["idea_id"] == writings["idea"].pk
    assert json.loads(files["profile.json"])["email"] == member.email
    actions = set(AuditEvent.objects.filter(actor_id=member.pk).values_list("action", flat=True))
    assert {"privacy.export_requested", "privacy.export_downloaded"} <= actions
    assert client.get(f"/media/{export.file_name}").status_code == 404  # never through the media view


@pytest.mark.django_db(transaction=True)  # the worker commits, as in production
def test_the_export_holds_ballots_questions_answers_and_uploaded_files_but_not_others(
    member, more_writings, run_worker, settings
):
    client = Client()
    client.force_login(member)
    export = export_ready(client, run_worker)
    archive = zipfile.ZipFile(default_storage.open(export.file_name))
    files = {name: archive.read(name).decode() for name in archive.namelist()}
    everything = "".join(files.values())
    for own in ("MEMBER-ANSWER", "MEMBER-QUESTION-BODY", "MEMBER-QUESTION-COMMENT", "MEMBER-IDEA-COMMENT",
                "MEMBER-IDEA alone", "MEMBER-FILE,1", "MEMBER-CHAT-FILE bytes"):  # fmt: skip
        assert own in everything
    assert "COLLEAGUE" not in everything and "OUTSIDER" not in everything  # no poll, option, answer or file of theirs
    poll = more_writings["poll"]
    (ballot,) = json.loads(files["poll_ballots.json"])
    assert ballot["poll_id"] == poll.pk and ballot["choices"][0]["option_id"] == poll.options.last().pk
    assert json.loads(files["anonymous_polls_voted_in.json"]) == [more_writings["secret"].pk]
    assert len(json.loads(files["votes.json"])) == 3  # the colleague's idea and the member's two (authors vote)
    listed = json.loads(files["files.json"])
    assert sorted(item["name"] for item in listed) == ["member.csv", "notes.txt"]
    assert all(item["in_zip"] in files for item in listed)


def test_uploads_past_the_byte_budget_are_listed_but_left_out(member, more_writings, settings):
    from apps.privacy.export import collect, write_zip

    settings.DATA_EXPORT_FILE_BYTES = 5
    buffer = io.BytesIO()
    write_zip(buffer, collect(member), member)
    archive = zipfile.ZipFile(buffer)
    listed = json.loads(archive.read("files.json"))
    assert len(listed) == 2 and all(item["in_zip"] is None for item in listed)
    assert not [name for name in archive.namelist() if name.startswith("files/")]


@pytest.mark.django_db(transaction=True)  # the worker commits, as in production
def test_the_link_expires_and_opens_for_its_owner_only(member, colleague, admin_user, writings, run_worker, settings):
    client = Client()
    client.force_login(member)
    export = export_ready(client, run_worker)
    url = client.get(f"/privacy/exports/{export.pk}/status/").json()["download_url"]
    for other in (colleague, admin_user):
        stranger = Client()
        stranger.force_login(other)
        assert stranger.get(url).status_code == 404
        assert stranger.get(f"/privacy/exports/{export.pk}/status/").status_code == 404
    assert Client().get(url).status_code == 302  # to the login page
    assert client.get(url[:-3] + "xx/").status_code == 404  # altered
    settings.DATA_EXPORT_LINK_SECONDS = -1  # the clock has moved past the link's lifetime
    assert client.get(url).status_code == 404


def test_one_export_at_a_time(member):
    services.export_request(acting_user=member)
    client = Client()
    client.force_login(member)
    response = client.post("/privacy/exports/", follow=True)
    assert "already" in response.content.decode() and DataExport.objects.count() == 1


def test_erasure_keeps_content_as_former_colleague(admin_user, member, writings, settings, client_as):
    settings.ERASURE_CONTENT = "keep"
    member_client = Client()
    member_client.force_login(member)
    page = client_as("admin_user").get(f"/privacy/erase/{member.pk}/")
    assert "keeps what erased people wrote" in page.content.decode()
    assert client_as("admin_user").post(f"/privacy/erase/{member.pk}/").status_code == 302
    member.refresh_from_db()
    assert not member.is_active and member.email == f"erased-{member.pk}@erased.invalid"
    assert member.profile.display_name == "Former colleague" and not member.has_usable_password()
    assert member_client.get("/").status_code == 302  # their session ended
    assert Post.objects.get(pk=writings["mine"].pk).body == "MEMBER-POST about pricing"
    assert IdeaVote.objects.filter(user=member).exists()
    entry = AuditEvent.objects.get(action="user.erased")
    assert (entry.actor_id, entry.target_id, entry.detail["mode"]) == (admin_user.pk, member.pk, "keep")


def test_erasure_removes_content_when_the_company_says_so(admin_user, member, colleague, writings, settings):
    settings.ERASURE_CONTENT = "remove"
    Reaction.objects.create(post=writings["theirs"], user=member, emoji=Reaction._meta.get_field("emoji").choices[0][0])
    removed = services.person_erase(acting_user=admin_user, user=member)
    assert {kind: removed[kind] for kind in ("posts", "comments", "messages", "votes", "reactions")} == dict.fromkeys(
        ("posts", "comments", "messages", "votes", "reactions"), 1
    )
    mine = Post.objects.get(pk=writings["mine"].pk)
    assert mine.deleted_at is not None and mine.body == ""
    assert not Comment.objects.filter(author=member, deleted_at__isnull=True).exists()
    assert not Message.objects.filter(author=member, deleted_at__isnull=True).exists()
    assert Idea.objects.get(pk=writings["idea"].pk).vote_count == 1  # the author's own vote remains
    assert Post.objects.get(pk=writings["theirs"].pk).body == "COLLEAGUE-POST secret plans"  # others' stays
    assert Message.objects.filter(author=colleague, deleted_at__isnull=True).count() == 1
    assert AuditEvent.objects.get(action="user.erased").detail == {"mode": "remove", "removed": removed}
    # Search forgets the removed words too (they were blanked with update(), which sends no signal).
    from apps.search import services as search

    for word in ("MEMBER-POST", "MEMBER-COMMENT", "MEMBER-MESSAGE"):
        assert search.search(acting_user=colleague, q=word).total == 0, word
    kept = search.search(acting_user=colleague, q="COLLEAGUE-POST").hits
    assert [h.object_id for h in kept if h.kind == "post"] == [writings["theirs"].pk]  # others' words stay


def test_keep_mode_keeps_ideas_questions_answers_and_ballots(admin_user, member, more_writings, settings):
    from apps.questions.models import Answer, Question, QuestionComment
    from apps.voting.models import PollBallot

    settings.ERASURE_CONTENT = "keep"
    assert services.person_erase(acting_user=admin_user, user=member) == {}
    assert Question.objects.get(pk=more_writings["mine"].pk).title == "MEMBER-QUESTION"
    assert Answer.objects.get(author=member).body == "MEMBER-ANSWER"
    assert QuestionComment.objects.filter(author=member).exists()
    assert Idea.objects.get(pk=more_writings["lone"].pk).author.profile.display_name == "Former colleague"
    assert PollBallot.objects.filter(voter=member).count() == 1
    assert ballots_of(more_writings["poll"]) == 2


def ballots_of(poll) -> int:
    poll.refresh_from_db()
    return poll.ballot_count


def test_remove_mode_removes_ideas_questions_answers_and_ballots_and_counters_follow(
    admin_user, member, colleague, outsider, more_writings, settings
):
    from apps.questions.models import Answer, QuestionComment
    from apps.questions.services import reaction_toggle
    from apps.voting.models import IdeaComment, PollBallot, PollParticipation

    settings.ERASURE_CONTENT = "remove"
    theirs, mine = more_writings["theirs"], more_writings["mine"]
    colleague_answer = Answer.objects.get(author=colleague)
    reaction_toggle(acting_user=member, answer=colleague_answer, emoji=REACTION)
    removed = services.person_erase(acting_user=admin_user, user=member)
    assert removed["answers"] == 1 and removed["question comments"] == 1 and removed["poll ballots"] == 1
    assert (removed["ideas"], removed["ideas blanked"], removed["idea comments"]) == (1, 1, 1)
    theirs.refresh_from_db()
    assert (theirs.answer_count, theirs.comment_count) == (1, 0) and theirs.title == "OUTSIDER-QUESTION"
    assert not Answer.objects.filter(author=member).exists() and not QuestionComment.objects.filter(author=member)
    colleague_answer.refresh_from_db()
    assert colleague_answer.body == "COLLEAGUE-ANSWER" and colleague_answer.reaction_counts == {}
    mine.refresh_from_db()  # others answered it: the question stays, blanked
    assert (mine.title, mine.body, mine.answer_count) == ("Removed question", "", 1)
    assert Answer.objects.get(question=mine).body == "OUTSIDER-ANSWER"
    assert not Idea.objects.filter(pk=more_writings["lone"].pk).exists()
    discussed = Idea.objects.get(pk=more_writings["discussed"].pk)  # a colleague commented: blanked, kept
    assert (discussed.title, discussed.vote_count, discussed.comment_count) == ("Removed idea", 0, 1)
    assert IdeaComment.objects.get(idea=discussed).body == "COLLEAGUE-IDEA-COMMENT"
    idea = Idea.objects.get(pk=more_writings["writings_idea"].pk)
    assert (idea.vote_count, idea.comment_count) == (1, 0)
    assert ballots_of(more_writings["poll"]) == 1 and not PollBallot.objects.filter(voter=member).exists()
    # The anonymous ballot cannot be told apart from others: it stays, only the participation goes.
    assert ballots_of(more_writings["secret"]) == 1 and not PollParticipation.objects.filter(user=member).exists()


def test_only_admins_erase_and_not_themselves(admin_user, member, colleague):
    from apps.core.errors import Forbidden, Invalid

    with pytest.raises(Forbidden):
        services.person_erase(acting_user=member, user=colleague)
    with pytest.raises(Invalid):
        services.person_erase(acting_user=admin_user, user=admin_user)
    assert User.objects.get(pk=colleague.pk).is_active


@pytest.mark.django_db(transaction=True)  # the worker commits, as in production
def test_an_erased_persons_exports_are_deleted(admin_user, member, run_worker):
    export = services.export_request(acting_user=member)
    run_worker()
    export.refresh_from_db()
    assert default_storage.exists(export.file_name)
    services.person_erase(acting_user=admin_user, user=member)
    assert not default_storage.exists(export.file_name) and not DataExport.objects.exists()


def test_the_admin_action_leads_to_the_confirmation(client_as, admin_user, member):
    admin_user.is_superuser = True
    admin_user.save()
    response = client_as("admin_user").post(
        "/admin/accounts/user/", {"action": "erase_person", "_selected_action": [member.pk]}
    )
    assert response.status_code == 302 and response["Location"] == f"/privacy/erase/{member.pk}/"


ROUTES = matrix(
    ("get", "/privacy/", None, expect(302, 200, 200, 200, 200)),
    ("post", "/privacy/exports/", None, expect(302, 302, 302, 302, 302)),
    ("get", "/privacy/exports/{export_id}/status/", None, expect(302, 404, 200, 404, 404)),  # the member's own
    ("get", "/privacy/download/{token}/", None, expect(302, 404, 404, 404, 404)),  # not built yet: nothing to open
    ("get", "/privacy/erase/{colleague_id}/", None, expect(302, 403, 403, 403, 200)),
    ("post", "/privacy/erase/{colleague_id}/", None, expect(302, 403, 403, 403, 302)),
)  # fmt: skip


@pytest.fixture
def world(member, colleague, manager, outsider, admin_user):
    export = DataExport.objects.create(user=member)
    return {"export_id": export.pk, "token": services.export_link_token(export), "colleague_id": colleague.pk}


@pytest.mark.parametrize(("route", "role"), cases(ROUTES))
def test_privacy_routes_permission_matrix(client_as, world, route, role):
    check(client_as, world, route, role)
