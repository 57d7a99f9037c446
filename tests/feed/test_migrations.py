"""The data migration that rewrites legacy `@localpart` mentions as `@**Display Name|id**`."""

import importlib

import pytest
from django.apps import apps

from apps.departments.services import company_wide_department
from apps.feed import services
from apps.feed.models import Comment, Post
from tests.factories import UserFactory, add_member

pytestmark = pytest.mark.django_db

migration = importlib.import_module("apps.feed.migrations.0003_mentions_by_name")


def legacy_post(author, department, body: str) -> Post:
    """A post as the old feed stored it: the body as typed, the HTML rendered back then."""
    post = services.post_create(acting_user=author, department=department, body="placeholder")
    Post.objects.filter(pk=post.pk).update(body=body, body_html="<p>old html</p>")
    return post


def test_mentions_that_resolved_are_rewritten_by_name_and_id(department, member, manager, outsider):
    post = legacy_post(member, department, "Thanks @Manager, @outsider and @nobody! Mail manager@example.com")
    comment = services.comment_create(post=post, acting_user=member, body="x")
    Comment.objects.filter(pk=comment.pk).update(body="cc @manager")
    migration.rewrite_legacy_mentions(apps, None)
    post.refresh_from_db()
    assert post.body == f"Thanks @**Max Manager|{manager.pk}**, @outsider and @nobody! Mail manager@example.com"
    assert post.body_html == "<p>old html</p>"  # stored HTML keeps rendering as it did
    assert Comment.objects.get(pk=comment.pk).body == f"cc @**Max Manager|{manager.pk}**"
    services.post_edit(post=post, acting_user=member, body=post.body + " (edited)")
    post.refresh_from_db()
    assert f'data-user-id="{manager.pk}">@Max Manager</a>' in post.body_html  # editing keeps the mention


def test_code_shared_local_parts_and_inactive_people_are_left_alone(department, member, manager):
    twin = UserFactory(email="manager@example.org", display_name="Other Max")
    add_member(department, twin)
    gone = UserFactory(email="gone@example.com", display_name="Gone")
    add_member(department, gone)
    gone.is_active = False
    gone.save()
    body = "@manager is ambiguous, @gone is gone, `@member` is code\n\n```\n@member\n```\n\nbut @member is not"
    post = legacy_post(manager, department, body)
    migration.rewrite_legacy_mentions(apps, None)
    migration.rewrite_legacy_mentions(apps, None)  # twice: the same result
    post.refresh_from_db()
    expected = body.replace("but @member", f"but @**Mia Member|{member.pk}**")
    assert post.body == expected


def test_everyone_reads_the_company_wide_space(member, outsider):
    post = legacy_post(member, company_wide_department(), "Hello @outsider")
    migration.rewrite_legacy_mentions(apps, None)
    post.refresh_from_db()
    assert post.body == f"Hello @**Olga Outsider|{outsider.pk}**"
