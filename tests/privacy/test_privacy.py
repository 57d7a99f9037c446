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
from apps.feed.models import Comment, Post, Reaction
from apps.feed.services import comment_create, post_create
from apps.privacy import services
from apps.privacy.models import DataExport
from apps.voting.models import Idea, IdeaVote
from tests.matrix import cases, check, expect, matrix

pytestmark = pytest.mark.django_db


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
    assert removed == {"posts": 1, "comments": 1, "messages": 1, "votes": 1, "reactions": 1}
    mine = Post.objects.get(pk=writings["mine"].pk)
    assert mine.deleted_at is not None and mine.body == ""
    assert not Comment.objects.filter(author=member, deleted_at__isnull=True).exists()
    assert not Message.objects.filter(author=member, deleted_at__isnull=True).exists()
    assert Idea.objects.get(pk=writings["idea"].pk).vote_count == 1  # the author's own vote remains
    assert Post.objects.get(pk=writings["theirs"].pk).body == "COLLEAGUE-POST secret plans"  # others' stays
    assert Message.objects.filter(author=colleague, deleted_at__isnull=True).count() == 1
    assert AuditEvent.objects.get(action="user.erased").detail == {"mode": "remove", "removed": removed}


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
