"""Posts, comments and attached files in search (see apps/search/registry.py)."""

import re

from django.db.models import Exists, OuterRef
from django.urls import reverse

from apps.search.models import FileText
from apps.search.registry import FILES, POSTS, DocumentData, SearchKind, register

from .models import Attachment, Comment, Post


def _is_live(post: Post) -> bool:
    return post.deleted_at is None and post.published_at is not None


def _post_url(post_id: int) -> str:
    return reverse("feed:post", args=[post_id])


def _title(body: str) -> str:
    first = body.strip().splitlines()[0] if body.strip() else ""
    return first.lstrip("#").strip()[:150]


def _post_document(post: Post) -> DocumentData | None:
    if not _is_live(post):
        return None
    has_file = getattr(post, "has_files", None)
    if has_file is None:
        has_file = post.attachments.exists()
    return DocumentData(
        object_id=post.pk,
        title=_title(post.body),
        body=post.body,
        url=_post_url(post.pk),
        created_at=post.published_at,
        department_id=post.department_id,
        author_id=post.author_id,
        has_file=bool(has_file),
    )


def _post_dependents(post: Post):
    yield Attachment, list(post.attachments.values_list("pk", flat=True))
    if not _is_live(post):
        yield Comment, list(post.comments.values_list("pk", flat=True))


def _comment_document(comment: Comment) -> DocumentData | None:
    if comment.deleted_at is not None or not _is_live(comment.post):
        return None
    return DocumentData(
        object_id=comment.pk,
        title="",
        body=comment.body,
        url=f"{_post_url(comment.post_id)}#comment-{comment.pk}",
        created_at=comment.created_at,
        department_id=comment.post.department_id,
        author_id=comment.author_id,
    )


def _attachment_document(attachment: Attachment) -> DocumentData | None:
    post = attachment.post
    if not _is_live(post):
        return None
    text = FileText.objects.filter(name=attachment.file.name).values_list("text", flat=True).first() or ""
    return DocumentData(
        object_id=attachment.pk,
        title=attachment.original_name,
        # "terms.pdf" is one token to PostgreSQL's parser: its words are indexed too, so "terms" finds it.
        body=" ".join(re.split(r"[\W_]+", attachment.original_name)) + "\n" + text,
        url=f"{_post_url(post.pk)}#attachment-{attachment.pk}",
        created_at=post.published_at,
        department_id=post.department_id,
        author_id=post.author_id,
        has_file=True,
    )


register(
    SearchKind(
        name="post",
        label="Post",
        group=POSTS,
        model=Post,
        queryset=lambda: Post.objects.annotate(has_files=Exists(Attachment.objects.filter(post=OuterRef("pk")))),
        document=_post_document,
        fields=frozenset({"body", "published_at", "deleted_at", "kind", "edited_at"}),
        dependents=_post_dependents,
    )
)
register(
    SearchKind(
        name="comment",
        label="Comment",
        group=POSTS,
        model=Comment,
        queryset=lambda: Comment.objects.select_related("post"),
        document=_comment_document,
        fields=frozenset({"body", "deleted_at", "edited_at"}),
    )
)
register(
    SearchKind(
        name="file",
        label="File",
        group=FILES,
        model=Attachment,
        queryset=lambda: Attachment.objects.select_related("post"),
        document=_attachment_document,
        stored_file=lambda a: (a.file.name, a.content_type) if a.file else None,
        dependents=lambda a: [(Post, [a.post_id])],
    )
)
