"""REST API of idea boards and polls: the same gatekeepers, selectors and services as the HTML views."""

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.core.errors import NotFound
from apps.core.pagination import DefaultCursorPagination, KeysetPagination
from apps.core.schema import ErrorSerializer, error_responses
from apps.core.serializers import IdField, person_field
from apps.departments.access import access_department_content

from . import selectors, services
from .access import access_idea, access_poll
from .models import Idea, IdeaComment, IdeaStatusChange, Poll

# Ideas


class IdeaSerializer(serializers.ModelSerializer):
    department = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    author = person_field()
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    my_vote = serializers.BooleanField(read_only=True, default=False)
    accepts_votes = serializers.BooleanField(read_only=True)
    url = serializers.CharField(source="get_absolute_url", read_only=True)

    class Meta:
        model = Idea
        fields = [
            "id", "department", "title", "description", "description_html", "status", "status_label",
            "vote_count", "comment_count", "my_vote", "accepts_votes", "author", "merged_into", "url",
            "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields


class IdeaCreateSerializer(serializers.Serializer):
    department = serializers.SlugField(help_text="The board: a department's slug, e.g. `all-staff`.")
    title = serializers.CharField(max_length=150)
    description = serializers.CharField(required=False, allow_blank=True, max_length=10_000)


class IdeaUpdateSerializer(serializers.Serializer):
    title = serializers.CharField(required=False, max_length=150)
    description = serializers.CharField(required=False, allow_blank=True, max_length=10_000)


class StatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Idea.Status.choices)
    note = serializers.CharField(required=False, allow_blank=True, max_length=5_000)


class StatusChangeSerializer(serializers.ModelSerializer):
    actor = person_field()

    class Meta:
        model = IdeaStatusChange
        fields = ["id", "old_status", "new_status", "note", "note_html", "actor", "created_at"]
        read_only_fields = fields


class MergeSerializer(serializers.Serializer):
    into = IdField(help_text="The id of the idea to keep.")


class CommentSerializer(serializers.ModelSerializer):
    author = person_field()

    class Meta:
        model = IdeaComment
        fields = ["id", "author", "body", "body_html", "created_at"]
        read_only_fields = ["id", "author", "body_html", "created_at"]


class VoterSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="user_id")
    name = serializers.CharField(source="display_name")


class VoteStateSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    vote_count = serializers.IntegerField()
    my_vote = serializers.BooleanField()


IDEA_FILTERS = [
    OpenApiParameter("department", str, description="Only this board (a department slug)."),
    OpenApiParameter("status", str, enum=Idea.Status.values),
    OpenApiParameter("q", str, description="Words that must all appear in the title or description."),
    OpenApiParameter("sort", str, enum=list(selectors.SORTS), description="top (default), trending or new."),
]


@extend_schema_view(list=extend_schema(parameters=IDEA_FILTERS))
@error_responses(404)  # a `department` that is not the caller's board, in the list's filter or a new idea
class IdeaViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Ideas on the boards the caller can read. Merged duplicates are left out of the list, not out of retrieve."""

    serializer_class = IdeaSerializer
    pagination_class = KeysetPagination

    def get_queryset(self):
        params = self.request.query_params
        department = (
            access_department_content(self.request.user, params["department"]) if params.get("department") else None
        )
        status_filter = params.get("status") or None
        if status_filter is not None and status_filter not in Idea.Status.values:
            raise exceptions.ValidationError({"status": [f"Use one of: {', '.join(Idea.Status.values)}."]})
        query = " ".join(params.get("q", "").split())[:100]
        return selectors.board_ideas(self.request.user, department=department, status=status_filter, query=query)

    def keyset_fields(self) -> tuple[str, ...]:
        sort = self.request.query_params.get("sort") or selectors.DEFAULT_SORT
        if sort not in selectors.SORTS:
            raise exceptions.ValidationError({"sort": [f"Use one of: {', '.join(selectors.SORTS)}."]})
        return selectors.SORTS[sort]

    def get_object(self) -> Idea:
        idea = access_idea(self.request.user, self.kwargs["pk"])
        idea.my_vote = selectors.user_voted(idea, self.request.user)
        return idea

    @extend_schema(request=IdeaCreateSerializer, responses={201: IdeaSerializer})
    def create(self, request):
        data = _valid(IdeaCreateSerializer, request)
        department = access_department_content(request.user, data.pop("department"))
        idea = services.idea_create(acting_user=request.user, department=department, **data)
        idea.my_vote = True
        return Response(IdeaSerializer(idea).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=IdeaUpdateSerializer, responses=IdeaSerializer)
    def partial_update(self, request, pk=None):
        idea = self.get_object()
        services.idea_update(acting_user=request.user, idea=idea, **_valid(IdeaUpdateSerializer, request))
        return Response(IdeaSerializer(idea).data)

    def destroy(self, request, pk=None):
        idea = self.get_object()
        services.idea_delete(acting_user=request.user, idea=idea)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={200: VoteStateSerializer})
    @action(detail=True, methods=["post", "delete"])
    def vote(self, request, pk=None):
        """POST up-votes the idea (once); DELETE takes the vote back. Both answer the new count."""
        idea = access_idea(request.user, pk)
        if request.method == "POST":
            idea = services.idea_vote(acting_user=request.user, idea=idea)
        else:
            idea = services.idea_unvote(acting_user=request.user, idea=idea)
        return Response({"id": idea.pk, "vote_count": idea.vote_count, "my_vote": request.method == "POST"})

    @extend_schema(request=StatusSerializer, responses={201: StatusChangeSerializer})
    @action(detail=True, methods=["post"])
    def status(self, request, pk=None):
        """Managers: set the status with a note; it goes into the history and every voter is notified."""
        idea = access_idea(request.user, pk)
        data = _valid(StatusSerializer, request)
        change = services.idea_set_status(acting_user=request.user, idea=idea, **data)
        return Response(StatusChangeSerializer(change).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=MergeSerializer, responses=IdeaSerializer)
    @action(detail=True, methods=["post"])
    def merge(self, request, pk=None):
        """Managers: merge this idea (a duplicate) into `into`; answers the idea kept."""
        idea = access_idea(request.user, pk)
        data = _valid(MergeSerializer, request)
        target = Idea.objects.visible_to(request.user).filter(pk=data["into"]).first()
        if target is None:
            raise exceptions.ValidationError({"into": ["There is no idea with this id on a board you can see."]})
        target = services.idea_merge(acting_user=request.user, duplicate=idea, target=target)
        target.my_vote = selectors.user_voted(target, request.user)
        return Response(IdeaSerializer(target).data)

    @extend_schema(responses=StatusChangeSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def history(self, request, pk=None):
        idea = access_idea(request.user, pk)
        return Response(StatusChangeSerializer(selectors.idea_history(idea), many=True).data)

    @extend_schema(responses=VoterSerializer(many=True))
    @action(detail=True, methods=["get"])
    def voters(self, request, pk=None):
        idea = access_idea(request.user, pk)
        paginator = VotersPagination()
        page = paginator.paginate_queryset(selectors.idea_voters(idea).order_by("-id"), request, view=self)
        return paginator.get_paginated_response(VoterSerializer(page, many=True).data)

    @extend_schema(methods=["GET"], responses=CommentSerializer(many=True))
    @extend_schema(methods=["POST"], request=CommentSerializer, responses={201: CommentSerializer})
    @action(detail=True, methods=["get", "post"])
    def comments(self, request, pk=None):
        idea = access_idea(request.user, pk)
        if request.method == "POST":
            data = _valid(CommentSerializer, request)
            comment = services.comment_create(acting_user=request.user, idea=idea, body=data["body"])
            return Response(CommentSerializer(comment).data, status=status.HTTP_201_CREATED)
        paginator = OldestFirstPagination()
        page = paginator.paginate_queryset(idea.comments.select_related("author__profile"), request, view=self)
        return paginator.get_paginated_response(CommentSerializer(page, many=True).data)

    @extend_schema(request=None, responses={204: None})
    @action(detail=True, methods=["delete"], url_path="comments/<id:comment_id>")
    def delete_comment(self, request, pk=None, comment_id=None):
        idea = access_idea(request.user, pk)
        comment = idea.comments.filter(pk=comment_id).first()
        if comment is None:
            raise NotFound("unknown_comment", "There is no such comment.")
        services.comment_delete(acting_user=request.user, comment=comment)
        return Response(status=status.HTTP_204_NO_CONTENT)


class OldestFirstPagination(DefaultCursorPagination):
    ordering = "id"


class VotersPagination(DefaultCursorPagination):
    ordering = "-id"


# Polls


class OptionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    label = serializers.CharField()
    position = serializers.IntegerField()


class ResultRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    label = serializers.CharField()
    votes = serializers.IntegerField()
    percent = serializers.FloatField()
    leading = serializers.BooleanField()
    eliminated = serializers.BooleanField()


class RoundSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    rows = ResultRowSerializer(many=True)
    continuing_ballots = serializers.IntegerField()
    exhausted_ballots = serializers.IntegerField()
    explanation = serializers.CharField()


class ResultsSerializer(serializers.Serializer):
    ballot_count = serializers.IntegerField()
    summary = serializers.CharField()
    winners = serializers.ListField(child=serializers.IntegerField())
    options = ResultRowSerializer(many=True, help_text="Counts per option; first preferences in ranked choice.")
    rounds = RoundSerializer(many=True, help_text="Ranked choice: the instant-runoff rounds.")


class OptionVotersSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    voters = serializers.ListField(child=serializers.CharField())


class RankingSerializer(serializers.Serializer):
    voter = serializers.CharField()
    option_ids = serializers.ListField(child=serializers.IntegerField(), help_text="First choice first.")


class PollVotersSerializer(serializers.Serializer):
    options = OptionVotersSerializer(many=True, help_text="Who chose each option; in ranked choice, as first choice.")
    rankings = RankingSerializer(many=True, help_text="Ranked choice: each voter's whole ballot.")


class PollSerializer(serializers.ModelSerializer):
    department = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    author = person_field()
    options = OptionSerializer(many=True, read_only=True)
    closed = serializers.BooleanField(read_only=True)
    i_voted = serializers.BooleanField(read_only=True, default=False)
    url = serializers.CharField(source="get_absolute_url", read_only=True)

    class Meta:
        model = Poll
        fields = [
            "id", "department", "question", "description", "description_html", "kind", "is_anonymous",
            "max_choices", "closes_at", "closed", "ballot_count", "options", "i_voted", "author", "url", "created_at",
        ]  # fmt: skip
        read_only_fields = fields


class PollDetailSerializer(PollSerializer):
    my_choices = serializers.ListField(
        child=serializers.IntegerField(),
        read_only=True,
        allow_null=True,
        help_text="Your ballot in rank order; null before you vote and in anonymous polls (nothing links it to you).",
    )

    class Meta(PollSerializer.Meta):
        fields = [*PollSerializer.Meta.fields, "my_choices"]
        read_only_fields = fields


class PollCreateSerializer(serializers.Serializer):
    department = serializers.SlugField()
    question = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, max_length=5_000)
    kind = serializers.ChoiceField(choices=Poll.Kind.choices)
    options = serializers.ListField(child=serializers.CharField(max_length=200), min_length=2, max_length=20)
    is_anonymous = serializers.BooleanField(required=False, default=False)
    closes_at = serializers.DateTimeField(required=False, allow_null=True)
    max_choices = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=20)


class PollVoteSerializer(serializers.Serializer):
    options = serializers.ListField(child=IdField(), help_text="Option ids; for ranked choice, first preference first.")


@extend_schema_view(list=extend_schema(parameters=[OpenApiParameter("department", str)]))
@error_responses(404)  # a `department` that is not the caller's board, in the list's filter or a new poll
class PollViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Polls on the boards the caller can read. Nothing here ever says who chose what in an anonymous poll."""

    serializer_class = PollSerializer
    pagination_class = DefaultCursorPagination

    def get_queryset(self):
        slug = self.request.query_params.get("department")
        department = access_department_content(self.request.user, slug) if slug else None
        return selectors.board_polls(self.request.user, department=department).prefetch_related("options")

    def get_object(self) -> Poll:
        return access_poll(self.request.user, self.kwargs["pk"])

    @extend_schema(responses=PollDetailSerializer)
    def retrieve(self, request, pk=None):
        return Response(self._detail(self.get_object()))

    @extend_schema(request=PollCreateSerializer, responses={201: PollDetailSerializer})
    def create(self, request):
        data = _valid(PollCreateSerializer, request)
        department = access_department_content(request.user, data.pop("department"))
        poll = services.poll_create(acting_user=request.user, department=department, **data)
        return Response(self._detail(poll), status=status.HTTP_201_CREATED)

    def destroy(self, request, pk=None):
        poll = access_poll(request.user, pk)
        services.poll_delete(acting_user=request.user, poll=poll)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=PollVoteSerializer, responses={200: PollDetailSerializer})
    @action(detail=True, methods=["post", "delete"])
    def vote(self, request, pk=None):
        """POST casts your one ballot; DELETE takes it back (not in anonymous polls, where ballots are final)."""
        poll = self.get_object()
        if request.method == "POST":
            data = _valid(PollVoteSerializer, request)
            poll = services.poll_vote(acting_user=request.user, poll=poll, option_ids=data["options"])
        else:
            poll = services.poll_withdraw(acting_user=request.user, poll=poll)
        return Response(self._detail(poll))

    @extend_schema(request=None, responses=PollDetailSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        poll = access_poll(request.user, pk)
        poll = services.poll_close(acting_user=request.user, poll=poll)
        return Response(self._detail(poll))

    @extend_schema(responses={200: ResultsSerializer, 403: ErrorSerializer})
    @action(detail=True, methods=["get"])
    def results(self, request, pk=None):
        """Counts, winner and (ranked choice) the runoff rounds; shown once you voted or the poll closed."""
        poll = self.get_object()
        if not selectors.can_see_results(request.user, poll, voted=selectors.has_voted(poll, request.user)):
            raise exceptions.PermissionDenied(
                "Results appear once you have voted or the poll has closed.", code="results_hidden"
            )
        return Response(ResultsSerializer(selectors.poll_results(poll)).data)

    @extend_schema(responses={200: PollVotersSerializer, 403: ErrorSerializer})
    @action(detail=True, methods=["get"])
    def voters(self, request, pk=None):
        """Who chose each option. Polls that are not anonymous only, once the results show."""
        poll = self.get_object()
        if poll.is_anonymous:
            raise exceptions.PermissionDenied("This poll is anonymous: nobody sees who voted what.", code="anonymous")
        if not selectors.can_see_results(request.user, poll, voted=selectors.has_voted(poll, request.user)):
            raise exceptions.PermissionDenied(
                "Results appear once you have voted or the poll has closed.", code="results_hidden"
            )
        voters = selectors.poll_voters_by_option(poll)
        rankings = selectors.named_rankings(poll) if poll.kind == Poll.Kind.RANKED else []
        data = {
            "options": [{"id": o.pk, "voters": voters.get(o.pk, [])} for o in poll.options.all()],
            "rankings": [{"voter": r.voter, "option_ids": r.option_ids} for r in rankings],
        }
        return Response(PollVotersSerializer(data).data)

    def _detail(self, poll: Poll) -> dict:
        user = self.request.user
        poll.i_voted = selectors.has_voted(poll, user)
        poll.my_choices = selectors.my_choices(poll, user) if poll.i_voted else None
        return PollDetailSerializer(poll).data


def _valid(serializer_class: type[serializers.Serializer], request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)
