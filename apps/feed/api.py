import contextlib
from datetime import datetime
from urllib.parse import parse_qs, urlsplit

from django.core.cache import cache
from django.db.models import prefetch_related_objects
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from apps.accounts.models import User
from apps.core.cache import CACHE_DOWN
from apps.core.errors import require
from apps.core.pagination import SignedCursorPagination
from apps.core.schema import error_responses
from apps.core.serializers import IdField
from apps.departments.access import readable_departments
from apps.departments.models import Department

from . import access, announcements, cards, first_page, selectors, services
from .models import REACTION_EMOJI, Comment, Post, Reaction


def _media(file) -> str:
    return reverse("media", kwargs={"path": file.name})


class FeedCursorPagination(SignedCursorPagination):
    ordering = ("-published_at", "-id")
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


class PostSerializer(serializers.ModelSerializer):
    author = serializers.SerializerMethodField()
    department = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    images = serializers.SerializerMethodField()
    attachments = serializers.SerializerMethodField()
    my_reactions = serializers.SerializerMethodField()
    acknowledged = serializers.SerializerMethodField()
    pinned = serializers.BooleanField(source="is_pinned", read_only=True)

    class Meta:
        model = Post
        fields = [
            "id", "department", "author", "kind", "body", "body_html", "is_confidential", "publish_at",
            "published_at", "edited_at", "pinned", "pinned_until", "requires_ack", "ack_due_at", "version",
            "acknowledged", "images", "attachments", "reaction_counts", "my_reactions", "comment_count", "shared_from",
        ]  # fmt: skip
        read_only_fields = fields

    def get_author(self, post: Post) -> dict:
        return {"id": post.author_id, "name": post.author.display_name}

    def get_images(self, post: Post) -> list[dict]:
        return [
            {"url": _media(i.image), "thumbnail_url": _media(i.thumbnail), "width": i.width, "height": i.height}
            for i in post.images.all()
        ]

    def get_attachments(self, post: Post) -> list[dict]:
        return [
            {"url": _media(a.file), "name": a.original_name, "size": a.size, "content_type": a.content_type}
            for a in post.attachments.all()
        ]

    def get_my_reactions(self, post: Post) -> list[str]:
        mine = getattr(post, "my_emojis", set())
        return [key for key in REACTION_EMOJI if key in mine]

    def get_acknowledged(self, post: Post) -> bool:
        return bool(getattr(post, "acknowledged", False))


def _versions(posts: list[Post]) -> list[tuple[int, int]]:
    return [(post.pk, post.version) for post in posts]


def _listed_key(post_id: int) -> str:
    return f"feed:api:v1:{post_id}"


def _listed_stamp(post: Post) -> str:
    """The card's stamp (apps/feed/cards.py) and what else of the row and its joins the answer shows."""
    return "|".join((
        cards.stamp(post), post.kind, str(post.publish_at), post.author.display_name, post.department.slug,
        timezone.get_current_timezone_name(),
    ))  # fmt: skip


_NOBODYS = {"acknowledged": False, "my_reactions": []}  # the per-person fields of a shared answer


def serialize_listed(posts: list[Post]) -> list[dict]:
    """`PostSerializer(posts, many=True).data` without anyone's own state (`_NOBODYS`), each post's answer cached.

    `posts` are a page the access rule returned (`visible_to`); `personalized` adds the
    reader's reactions and acknowledgement. An entry is used only while its stamp matches
    the row just read (any change of what the answer shows changes the stamp), so it needs
    no expiry and no invalidation to be right; images and attachments are loaded (one pass
    each) only for the misses.
    """
    found = {}
    with contextlib.suppress(*CACHE_DOWN):  # no cache: every post is serialized, the answer is the same
        found = cache.get_many([_listed_key(p.pk) for p in posts]) if posts else {}
    stamps = {p.pk: _listed_stamp(p) for p in posts}
    shared = {}
    for post in posts:
        entry = found.get(_listed_key(post.pk))
        if entry is not None and entry[0] == stamps[post.pk]:
            shared[post.pk] = entry[1]
    misses = [p for p in posts if p.pk not in shared]
    if misses:
        prefetch_related_objects(misses, "images", "attachments")
        fresh = {}
        for post, data in zip(misses, PostSerializer(misses, many=True).data, strict=True):
            shared[post.pk] = dict(data) | _NOBODYS  # the keys keep the serializer's order
            fresh[_listed_key(post.pk)] = (stamps[post.pk], shared[post.pk])
        with contextlib.suppress(*CACHE_DOWN):
            cache.set_many(fresh, timeout=None)
    return [shared[post.pk] for post in posts]


def personalized(shared: list[dict], versions: list[tuple[int, int]], user: User) -> list[dict]:
    """Shared answers of the posts (id, version) with `user`'s reactions and acknowledgement, in one query."""
    facts = cards.personal_facts([pk for pk, _ in versions], user)
    answers = []
    for data, (pk, version) in zip(shared, versions, strict=True):
        emojis, acknowledged = facts[pk]
        mine = [key for key in REACTION_EMOJI if key in emojis]
        answers.append(data | {"acknowledged": version in acknowledged, "my_reactions": mine})
    return answers


class PostWriteSerializer(serializers.Serializer):
    department = serializers.SlugField()
    body = serializers.CharField(max_length=services.MAX_POST_LENGTH, trim_whitespace=True)
    kind = serializers.ChoiceField(choices=Post.Kind.choices, default=Post.Kind.POST)
    is_confidential = serializers.BooleanField(required=False, allow_null=True, default=None)
    publish_at = serializers.DateTimeField(required=False, allow_null=True)
    pinned_until = serializers.DateTimeField(required=False, allow_null=True)
    requires_ack = serializers.BooleanField(required=False, default=False)
    ack_due_at = serializers.DateTimeField(required=False, allow_null=True)
    images = serializers.ListField(child=serializers.FileField(), required=False, default=list)
    attachments = serializers.ListField(child=serializers.FileField(), required=False, default=list)
    confirm = serializers.BooleanField(
        required=False, default=False,
        help_text="Send anyway after a `policy_warning` (the text matched the policy's never-share rules).",
    )  # fmt: skip


class PostEditSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=services.MAX_POST_LENGTH)
    new_version = serializers.BooleanField(required=False, default=False)


class PostCommentSerializer(serializers.ModelSerializer):
    author = serializers.SerializerMethodField()

    class Meta:
        model = Comment
        fields = ["id", "post", "parent", "author", "body", "body_html", "created_at", "edited_at"]
        read_only_fields = fields

    def get_author(self, comment: Comment) -> dict:
        return {"id": comment.author_id, "name": comment.author.display_name}


class PostCommentWriteSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=services.MAX_COMMENT_LENGTH)
    parent = IdField(required=False, allow_null=True)
    confirm = serializers.BooleanField(required=False, default=False, help_text="Send anyway after a `policy_warning`.")


class PostViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """Posts and announcements in the caller's departments and All staff, newest first.

    `?department=<slug>` narrows to one feed, `?pinned=1` lists the pinned announcements.
    """

    serializer_class = PostSerializer
    pagination_class = FeedCursorPagination
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self):
        posts = Post.objects.visible_to(self.request.user)
        if slug := self.request.query_params.get("department"):
            posts = posts.filter(department__slug=slug)
        if self.request.query_params.get("pinned") == "1":
            posts = posts.pinned()
        # The API lists comment counts; comments themselves come from posts/<id>/comments/. The
        # serializer reads the author's name and the department's slug (one join each), images and
        # attachments (one prefetch pass each) and my reactions and acknowledgement (one query,
        # `personalized`): no query per post. Each post's answer is cached (`serialize_listed`),
        # so images and attachments are prefetched only for the posts not in the cache, and the
        # first page is kept per audience (`_first_page`), so it needs no query for the posts.
        return posts.select_related("department", "author__profile")

    def get_object(self) -> Post:
        post = access.access_post(self.request.user, int(self.kwargs["pk"]), include_scheduled=True)
        return selectors.post_with_details(self.request.user, post)

    @extend_schema(parameters=[OpenApiParameter("department", str), OpenApiParameter("pinned", bool)])
    def list(self, request, *args, **kwargs):
        params = request.query_params
        if "cursor" not in params and params.get("pinned") != "1":
            return self._first_page(request)
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(personalized(serialize_listed(page), _versions(page), request.user))

    def _first_page(self, request) -> Response:
        """A first page, kept per audience (apps/feed/first_page.py) until a department of it changes.

        The audience is what the access rule answers now: the departments the caller reads, or
        the one asked for among them. Everyone with that audience gets the same answers, with
        their own reactions and acknowledgement applied from one query.
        """
        slug = request.query_params.get("department") or None  # empty: no filter, as in get_queryset
        audience = [pk for pk, s in readable_departments(request.user) if slug is None or s == slug]
        size = self.paginator.get_page_size(request)
        name = f"api:posts:{size}:{timezone.get_current_timezone_name()}"

        def build() -> tuple[tuple, tuple, datetime | None]:
            posts = self.get_queryset().filter(department_id__in=audience)
            page = self.paginator.paginate_queryset(posts, request, view=self)
            link = self.paginator.get_next_link()
            kept = (
                serialize_listed(page),
                _versions(page),
                parse_qs(urlsplit(link).query)["cursor"][0] if link else None,
            )
            pins = [p.pinned_until for p in page if p.pinned_until is not None and p.is_pinned]
            return kept, kept, min(pins, default=None)  # `pinned` changes when a pin ends

        if not audience:  # nothing to read, or a department the caller does not read: the list is empty
            shared, versions, cursor = [], [], None
        else:
            shared, versions, cursor = first_page.for_audience(audience, name, now=timezone.now(), build=build)
        link = replace_query_param(request.build_absolute_uri(), "cursor", cursor) if cursor else None
        return Response({"next": link, "previous": None, "results": personalized(shared, versions, request.user)})

    @extend_schema(
        request={"application/json": PostWriteSerializer, "multipart/form-data": PostWriteSerializer},
        responses={201: PostSerializer},
    )
    def create(self, request):
        data = PostWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        department = Department.objects.readable_by(request.user).filter(slug=fields.pop("department")).first()
        if department is None:
            raise ValidationError({"department": "No such department, or you are not a member of it."})
        if "images" in request.FILES:
            fields["images"] = request.FILES.getlist("images")
        if "attachments" in request.FILES:
            fields["attachments"] = request.FILES.getlist("attachments")
        post = services.post_create(acting_user=request.user, department=department, **fields)
        return Response(
            PostSerializer(selectors.post_with_details(request.user, post)).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(request=PostEditSerializer, responses=PostSerializer)
    def partial_update(self, request, pk=None):
        post = self.get_object()
        data = PostEditSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.post_edit(acting_user=request.user, post=post, **data.validated_data)
        return Response(PostSerializer(selectors.post_with_details(request.user, post)).data)

    def perform_destroy(self, instance):
        services.post_delete(acting_user=self.request.user, post=instance)

    @extend_schema(
        request=inline_serializer("ReactionToggle", {"emoji": serializers.ChoiceField(choices=[*REACTION_EMOJI])}),
        responses=inline_serializer(
            "ReactionState", {"on": serializers.BooleanField(), "counts": serializers.DictField()}
        ),
    )
    @action(detail=True, methods=["post"])
    def react(self, request, pk=None):
        """Toggle a reaction from the fixed set."""
        post = access.access_post(request.user, int(pk))
        on = services.reaction_toggle(acting_user=request.user, post=post, emoji=request.data.get("emoji", ""))
        return Response({"on": on, "counts": post.reaction_counts})

    @extend_schema(
        responses=inline_serializer(
            "Reactors", {"emoji": serializers.CharField(), "users": serializers.ListField()}, many=True
        )
    )
    @action(detail=True, methods=["get"], pagination_class=None)
    def reactions(self, request, pk=None):
        """Who reacted with what."""
        post = access.access_post(request.user, int(pk))
        grouped: dict[str, list[dict]] = {key: [] for key in REACTION_EMOJI}
        for reaction in Reaction.objects.filter(post=post).select_related("user__profile").order_by("id"):
            grouped[reaction.emoji].append({"id": reaction.user_id, "name": reaction.user.display_name})
        return Response([{"emoji": key, "users": users} for key, users in grouped.items() if users])

    @extend_schema(request=None, responses={201: None})
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        post = access.access_post(request.user, int(pk))
        announcements.acknowledge(acting_user=request.user, post=post)
        return Response({"acknowledged": True, "version": post.version}, status=status.HTTP_201_CREATED)

    @extend_schema(
        responses=inline_serializer(
            "AckProgress", {"version": serializers.IntegerField(), "done": serializers.IntegerField(),
                            "total": serializers.IntegerField(), "pending": serializers.ListField()},
        )
    )  # fmt: skip
    @action(detail=True, methods=["get"])
    def acknowledgements(self, request, pk=None):
        """Progress and who has not acknowledged yet (managers)."""
        post = access.access_post(request.user, int(pk))
        require(
            access.can_moderate(request.user, post.department), "Only the department's managers see who acknowledged."
        )
        done, total = selectors.ack_progress(post)
        pending = [{"id": u.pk, "name": u.display_name} for u in selectors.pending_acknowledgers(post)]
        return Response({"version": post.version, "done": done, "total": total, "pending": pending})

    @extend_schema(request=None, responses=inline_serializer("Reminded", {"reminded": serializers.IntegerField()}))
    @action(detail=True, methods=["post"])
    def remind(self, request, pk=None):
        post = access.access_post(request.user, int(pk))
        return Response({"reminded": announcements.send_ack_reminders(acting_user=request.user, post=post)})

    @extend_schema(request=None, responses={201: PostSerializer})
    @action(detail=True, methods=["post"])
    def share(self, request, pk=None):
        """Share to All staff (never a confidential post)."""
        post = access.access_post(request.user, int(pk))
        shared = services.post_share_to_company(acting_user=request.user, post=post)
        return Response(
            PostSerializer(selectors.post_with_details(request.user, shared)).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(methods=["GET"], responses=PostCommentSerializer(many=True))
    @extend_schema(methods=["POST"], request=PostCommentWriteSerializer, responses={201: PostCommentSerializer})
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def comments(self, request, pk=None):
        post = access.access_post(request.user, int(pk))
        if request.method == "GET":
            comments = post.comments.filter(deleted_at__isnull=True).select_related("author__profile").order_by("id")
            return Response(PostCommentSerializer(comments, many=True).data)
        data = PostCommentWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        parent = None
        if data.validated_data.get("parent"):
            parent = Comment.objects.filter(pk=data.validated_data["parent"], post=post).first()
            if parent is None:
                raise ValidationError({"parent": "No such comment on this post."})
        comment = services.comment_create(
            acting_user=request.user, post=post, body=data.validated_data["body"], parent=parent,
            confirm=data.validated_data["confirm"],
        )  # fmt: skip
        return Response(PostCommentSerializer(comment).data, status=status.HTTP_201_CREATED)

    @extend_schema(parameters=[OpenApiParameter("department", str, required=True)], responses=PostSerializer(many=True))
    @error_responses(404)
    @action(detail=False, methods=["get"], pagination_class=None)
    def scheduled(self, request):
        """Upcoming posts of a department: its managers see all, authors their own."""
        department = access.access_feed(request.user, request.query_params.get("department", ""))
        posts = Post.objects.filter(department=department, published_at__isnull=True, deleted_at__isnull=True)
        if not access.can_moderate(request.user, department):
            posts = posts.filter(author=request.user)
        posts = selectors.decorate(
            list(selectors._with_details(posts, request.user).order_by("publish_at")[:200]), request.user
        )
        return Response(PostSerializer(posts, many=True).data)


class CommentViewSet(mixins.UpdateModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """Edit (author) or delete (author or manager) a comment."""

    serializer_class = PostCommentSerializer
    http_method_names = ["patch", "delete"]

    def get_object(self) -> Comment:
        return access.access_comment(self.request.user, int(self.kwargs["pk"]))

    @extend_schema(request=PostCommentWriteSerializer, responses=PostCommentSerializer)
    def partial_update(self, request, pk=None):
        comment = self.get_object()
        data = PostCommentWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.comment_edit(acting_user=request.user, comment=comment, body=data.validated_data["body"])
        return Response(PostCommentSerializer(comment).data)

    def perform_destroy(self, instance):
        services.comment_delete(acting_user=self.request.user, comment=instance)
