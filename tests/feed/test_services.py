"""Business rules of the feed, through the services the views and the API share."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from apps.core.errors import Conflict, Forbidden, Invalid, NotFound
from apps.departments.services import company_wide_department
from apps.feed import announcements, selectors, services
from apps.feed.models import Acknowledgement, Comment, Post, Reaction
from apps.notifications.models import Notification
from tests.factories import UserFactory, add_member, image_bytes

from .conftest import jpeg

pytestmark = pytest.mark.django_db


def test_a_post_renders_sanitised_markdown(department, member):
    post = services.post_create(acting_user=member, department=department, body="**Hi** <script>x()</script>")
    assert "<strong>Hi</strong>" in post.body_html and "<script" not in post.body_html
    assert post.published_at is not None


@pytest.mark.parametrize(
    ("body", "message"),
    [("   ", "empty post cannot be posted"), ("x" * 10_001, "too long (10,001 characters)")],
)
def test_empty_and_oversized_bodies_are_refused(department, member, body, message):
    with pytest.raises(Invalid, match=message.replace("(", r"\(").replace(")", r"\)")):
        services.post_create(acting_user=member, department=department, body=body)
    assert not Post.objects.exists()


def test_posting_to_a_department_one_is_not_in_is_refused(department, outsider):
    with pytest.raises(NotFound):
        services.post_create(acting_user=outsider, department=department, body="Hello")
    assert not Post.objects.exists()


def test_up_to_ten_images_are_stored_without_exif_and_an_eleventh_is_refused(department, member):
    post = services.post_create(
        acting_user=member, department=department, body="Team day", images=[jpeg() for _ in range(10)]
    )
    assert post.images.count() == 10
    with pytest.raises(Invalid, match="at most 10 images"):
        services.post_create(
            acting_user=member, department=department, body="Too many", images=[jpeg() for _ in range(11)]
        )
    assert Post.objects.count() == 1


def test_a_file_that_is_not_an_image_is_refused_and_nothing_is_saved(department, member):
    fake = SimpleUploadedFile("cat.jpg", b"MZ\x90\x00 this is an executable", content_type="image/jpeg")
    with pytest.raises(Invalid, match=r"Image 2 \(cat.jpg\): The file is not an image"):
        services.post_create(acting_user=member, department=department, body="Look", images=[jpeg(), fake])
    assert not Post.objects.exists()


def test_attachments_are_checked_by_content(department, member):
    pdf = SimpleUploadedFile("report.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", content_type="application/pdf")
    csv = SimpleUploadedFile("numbers.csv", b"a,b\n1,2\n", content_type="text/csv")
    post = services.post_create(acting_user=member, department=department, body="Files", attachments=[pdf, csv])
    assert sorted(post.attachments.values_list("content_type", flat=True)) == ["application/pdf", "text/csv"]
    exe = SimpleUploadedFile("report.pdf", b"MZ\x90\x00\x03\x00\x00\x00", content_type="application/pdf")
    with pytest.raises(Invalid, match="not an accepted file type"):
        services.post_create(acting_user=member, department=department, body="Bad", attachments=[exe])
    png_named_txt = SimpleUploadedFile("notes.txt", image_bytes("PNG"), content_type="text/plain")
    post = services.post_create(acting_user=member, department=department, body="Png", attachments=[png_named_txt])
    assert post.attachments.get().content_type == "image/png"  # what it is, not what it claims


def test_only_managers_post_announcements(department, member, manager):
    with pytest.raises(Forbidden, match="Only the department's managers"):
        services.post_create(acting_user=member, department=department, kind="announcement", body="Hear ye")
    announcement = services.post_create(acting_user=manager, department=department, kind="announcement", body="Hear ye")
    assert announcement.is_pinned


def test_an_announcement_stays_pinned_until_its_expiry(department, manager):
    post = services.post_create(
        acting_user=manager, department=department, kind="announcement", body="Webinar Friday",
        pinned_until=timezone.now() + timedelta(hours=1),
    )  # fmt: skip
    assert Post.objects.pinned().filter(pk=post.pk).exists()
    assert not Post.objects.pinned(now=timezone.now() + timedelta(hours=2)).filter(pk=post.pk).exists()
    assert Post.objects.not_pinned(now=timezone.now() + timedelta(hours=2)).filter(pk=post.pk).exists()


def test_acknowledging_twice_is_refused(announcement, member):
    announcements.acknowledge(post=announcement, acting_user=member)
    with pytest.raises(Conflict, match="already acknowledged"):
        announcements.acknowledge(post=announcement, acting_user=member)
    assert Acknowledgement.objects.count() == 1


def test_a_substantive_edit_asks_for_acknowledgement_again(announcement, manager, member):
    announcements.acknowledge(post=announcement, acting_user=member)
    assert selectors.ack_progress(announcement) == (1, 1)  # the author is not asked
    services.post_edit(
        post=announcement, acting_user=manager, body="Holiday hours change from Tuesday.", new_version=True
    )
    announcement.refresh_from_db()
    assert announcement.version == 2
    assert announcement.versions.get().body == "New holiday hours from Monday."
    assert selectors.ack_progress(announcement) == (0, 1)
    assert [u.email for u in selectors.pending_acknowledgers(announcement)] == ["member@example.com"]
    announcements.acknowledge(post=announcement, acting_user=member)  # the new version can be acknowledged


def test_a_typo_fix_keeps_the_version_and_shows_edited(post, member):
    services.post_edit(post=post, acting_user=member, body="Quarterly numbers are **in**!")
    post.refresh_from_db()
    assert post.version == 1 and post.edited_at is not None


def test_only_the_author_edits_and_managers_moderate(post, member, manager, department):
    colleague = UserFactory()
    add_member(department, colleague)
    with pytest.raises(Forbidden):
        services.post_edit(post=post, acting_user=manager, body="Changed by someone else")
    with pytest.raises(Forbidden):
        services.post_delete(post=post, acting_user=colleague)
    services.post_delete(post=post, acting_user=manager)
    post.refresh_from_db()
    assert post.deleted_at is not None and post.deleted_by == manager
    assert not Post.objects.visible_to(member).filter(pk=post.pk).exists()


def test_reactions_toggle_and_unknown_emoji_is_refused(post, manager):
    assert services.reaction_toggle(post=post, acting_user=manager, emoji="party") is True
    post.refresh_from_db()
    assert post.reaction_counts == {"party": 1}
    assert services.reaction_toggle(post=post, acting_user=manager, emoji="party") is False
    post.refresh_from_db()
    assert post.reaction_counts == {}
    with pytest.raises(Invalid, match="Unknown reaction"):
        services.reaction_toggle(post=post, acting_user=manager, emoji="poop")
    assert not Reaction.objects.exists()


def test_comments_have_one_level_of_replies(post, member, manager):
    top = services.comment_create(post=post, acting_user=manager, body="Great")
    reply = services.comment_create(post=post, acting_user=member, body="Thanks", parent=top)
    reply_to_reply = services.comment_create(post=post, acting_user=manager, body="Welcome", parent=reply)
    assert reply.parent == top and reply_to_reply.parent == top
    post.refresh_from_db()
    assert post.comment_count == 3
    services.comment_delete(comment=top, acting_user=manager)
    post.refresh_from_db()
    assert post.comment_count == 0
    assert Comment.objects.filter(deleted_at__isnull=True).count() == 0


def test_mentions_notify_members_and_reveal_nothing_about_outsiders(department, member, manager, outsider):
    body = f"Thanks @**Max Manager** and @**Olga Outsider**, @**O.|{outsider.pk}**!"
    post = services.post_create(acting_user=member, department=department, body=body)
    notified = list(Notification.objects.filter(kind="mention").values_list("recipient__email", flat=True))
    assert notified == ["manager@example.com"]
    assert (
        f'<a class="mention" href="/people/{manager.pk}/" data-user-id="{manager.pk}">@Max Manager</a>'
        in post.body_html
    )
    # Left as typed: no link, and the id does not reveal a name.
    assert f"@<strong>Olga Outsider</strong>, @<strong>O.|{outsider.pk}</strong>!" in post.body_html
    assert f"/people/{outsider.pk}/" not in post.body_html and post.body_html.count("Olga") == 1


def test_comments_notify_the_people_they_mention(post, member, manager, outsider):
    body = f"What do you think, @**Max Manager|{manager.pk}**? And @**Olga Outsider**?"
    services.comment_create(post=post, acting_user=member, body=body)
    assert list(Notification.objects.filter(kind="mention").values_list("recipient", flat=True)) == [manager.pk]
    comment = post.comments.get()
    assert f'data-user-id="{manager.pk}">@Max Manager</a>?' in comment.body_html


def test_notification_snippets_show_mentions_as_names(department, member, manager):
    services.post_create(acting_user=member, department=department, body=f"Welcome @**Max Manager|{manager.pk}**!")
    assert Notification.objects.get(recipient=manager).title.endswith("“Welcome @Max Manager!”")


def test_confidential_posts_are_never_shared_to_all_staff(department, member):
    secret = services.post_create(acting_user=member, department=department, body="Merger plans", is_confidential=True)
    with pytest.raises(Conflict, match="Confidential posts can never be shared"):
        services.post_share_to_company(post=secret, acting_user=member)
    company = company_wide_department()
    assert not Post.objects.filter(department=company).exists()
    with pytest.raises(Invalid, match="cannot be confidential"):
        services.post_create(acting_user=member, department=company, body="x", is_confidential=True)


def test_a_department_can_make_posts_confidential_by_default(department, member):
    department.is_confidential_by_default = True
    department.save()
    assert services.post_create(acting_user=member, department=department, body="x").is_confidential


def test_sharing_a_normal_post_links_back_and_only_once(post, member):
    shared = services.post_share_to_company(post=post, acting_user=member)
    assert shared.department.is_company_wide and shared.shared_from == post
    with pytest.raises(Conflict, match="already been shared"):
        services.post_share_to_company(post=post, acting_user=member)


def test_notifications_never_carry_confidential_text(department, member, manager):
    services.post_create(
        acting_user=member, department=department, body="Layoffs in Q3 @**Max Manager**", is_confidential=True
    )
    title = Notification.objects.get(recipient=manager).title
    assert "Layoffs" not in title and "confidential post" in title
