"""REST API of questions: the same gatekeepers, selectors and services as the pages."""

from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from apps.core.pagination import KeysetPagination
from apps.core.schema import error_responses
from apps.core.serializers import IdField, WallClockTimeField, person_field
from apps.departments.access import access_department_content, departments_to_ask
from apps.departments.models import Department
from apps.feed.models import REACTION_EMOJI

from . import access, selectors, services
from .models import MAX_BODY_LENGTH, MAX_TITLE_LENGTH, Answer, Question, QuestionComment, QuestionTarget


def _media(file) -> str:
    return reverse("media", kwargs={"path": file.name})


class TargetSerializer(serializers.ModelSerializer):
    department = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    assignee = person_field()
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = QuestionTarget
        fields = [
            "department", "assignee", "asked_at", "first_response_due_at", "first_response_at", "answer_due_at",
            "answered_at", "first_response_seconds", "answer_seconds", "overdue",
        ]  # fmt: skip
        read_only_fields = fields

    def get_overdue(self, target: QuestionTarget) -> bool:
        return target.is_overdue(timezone.now())


class AttachmentField(serializers.Serializer):
    url = serializers.CharField()
    name = serializers.CharField()
    size = serializers.IntegerField()
    content_type = serializers.CharField()


def _files(rows) -> list[dict]:
    return [{"url": _media(a.file), "name": a.original_name, "size": a.size, "content_type": a.content_type}
            for a in rows]  # fmt: skip


class QuestionSerializer(serializers.ModelSerializer):
    asker = person_field()
    asking_department = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    targets = serializers.SerializerMethodField()
    url = serializers.CharField(source="get_absolute_url", read_only=True)
    status = serializers.CharField(read_only=True, help_text="`open`, or `answered` (an answer was accepted).")

    class Meta:
        model = Question
        fields = [
            "id", "title", "body", "body_html", "asker", "asking_department", "is_confidential", "status",
            "accepted_answer", "answered_at", "created_at", "answer_count", "comment_count", "targets", "url",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(TargetSerializer(many=True))
    def get_targets(self, question: Question) -> list[dict]:
        rows = getattr(question, "target_list", None) or access.targets_of(question)
        return TargetSerializer(rows, many=True).data


class QuestionDetailSerializer(QuestionSerializer):
    attachments = serializers.SerializerMethodField()

    class Meta(QuestionSerializer.Meta):
        fields = [*QuestionSerializer.Meta.fields, "attachments"]
        read_only_fields = fields

    @extend_schema_field(AttachmentField(many=True))
    def get_attachments(self, question: Question) -> list[dict]:
        return _files(selectors.question_files(question))


class AskSerializer(serializers.Serializer):
    asking_department = serializers.SlugField(help_text="Your department, which asks.")
    departments = serializers.ListField(child=serializers.SlugField(), min_length=1, help_text="Departments asked.")
    title = serializers.CharField(max_length=MAX_TITLE_LENGTH)
    body = serializers.CharField(max_length=MAX_BODY_LENGTH)
    is_confidential = serializers.BooleanField(default=False)
    attachments = serializers.ListField(child=serializers.FileField(), required=False, default=list)
    confirm = serializers.BooleanField(default=False, help_text="Send anyway after a `policy_warning`.")


class AnswerSerializer(serializers.ModelSerializer):
    author = person_field()
    accepted = serializers.SerializerMethodField()
    attachments = serializers.SerializerMethodField()

    class Meta:
        model = Answer
        fields = ["id", "question", "author", "body", "body_html", "created_at", "edited_at", "reaction_counts",
                  "accepted", "attachments"]  # fmt: skip
        read_only_fields = fields

    def get_accepted(self, answer: Answer) -> bool:
        return answer.question.accepted_answer_id == answer.pk

    @extend_schema_field(AttachmentField(many=True))
    def get_attachments(self, answer: Answer) -> list[dict]:
        return _files(answer.attachments.all())


class AnswerWriteSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=MAX_BODY_LENGTH)
    attachments = serializers.ListField(child=serializers.FileField(), required=False, default=list)
    confirm = serializers.BooleanField(default=False, help_text="Send anyway after a `policy_warning`.")


class AnswerEditSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=MAX_BODY_LENGTH)
    confirm = serializers.BooleanField(default=False)


class QuestionCommentSerializer(serializers.ModelSerializer):
    author = person_field()

    class Meta:
        model = QuestionComment
        fields = ["id", "author", "body", "body_html", "created_at"]
        read_only_fields = fields


class QuestionCommentWriteSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=5_000)
    confirm = serializers.BooleanField(default=False)


class AssignSerializer(serializers.Serializer):
    department = serializers.SlugField(help_text="The department asked (you manage it).")
    assignee = IdField(allow_null=True, help_text="A member's user id, or null for nobody.")


class ShareSerializer(serializers.Serializer):
    department = serializers.SlugField(help_text="A department asked, whose member you are.")


class SimilarSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    status = serializers.CharField()
    asking_department = serializers.CharField(source="asking_department.name")
    url = serializers.CharField(source="get_absolute_url")


class TargetsSerializer(serializers.Serializer):
    first_response_days = serializers.DecimalField(max_digits=4, decimal_places=1)
    answer_days = serializers.DecimalField(max_digits=4, decimal_places=1)
    time_zone = serializers.CharField()
    working_days = serializers.ListField(child=serializers.IntegerField(min_value=0, max_value=6))
    day_starts = WallClockTimeField()
    day_ends = WallClockTimeField()
    holiday_country = serializers.CharField(allow_blank=True, required=False, default="")
    closed_days = serializers.ListField(child=serializers.DateField(), required=False, default=list)


class FiguresSerializer(serializers.Serializer):
    days = serializers.IntegerField()
    asked = serializers.IntegerField()
    first_response_median = serializers.FloatField(allow_null=True, help_text="Business hours.")
    first_response_p90 = serializers.FloatField(allow_null=True)
    answer_median = serializers.FloatField(allow_null=True)
    answer_p90 = serializers.FloatField(allow_null=True)
    first_response_within = serializers.FloatField(allow_null=True, help_text="Share within target, 0 to 1.")
    answer_within = serializers.FloatField(allow_null=True)
    first_response_counted = serializers.IntegerField()
    answer_counted = serializers.IntegerField()


LIST_FILTERS = [
    OpenApiParameter("department", str, description="A department's slug: with `box`, its inbox or what it asked."),
    OpenApiParameter("box", str, enum=["inbox", "asked"], description="inbox (default) or asked."),
    OpenApiParameter("tab", str, enum=list(selectors.INBOX_TABS), description="The inbox tab (default: open)."),
]


@extend_schema_view(list=extend_schema(parameters=LIST_FILTERS))
@error_responses(404)  # a department filter or target that the caller may not see
class QuestionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Questions the caller reads: all staff's open ones, and confidential ones of their departments."""

    serializer_class = QuestionSerializer
    pagination_class = KeysetPagination
    lookup_value_converter = "id"
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def keyset_fields(self) -> tuple[str, ...]:
        return ("-id",)

    def get_queryset(self):
        params = self.request.query_params
        user = self.request.user
        if not params.get("department"):
            return selectors.visible_questions(user)
        department = access_department_content(user, params["department"])
        box = params.get("box", "inbox")
        if box not in ("inbox", "asked"):
            raise exceptions.ValidationError({"box": ["Use inbox or asked."]})
        questions = selectors.visible_questions(user)
        if box == "asked":
            return questions.filter(asking_department=department)
        tab = params.get("tab", "open")
        if tab not in selectors.INBOX_TABS:
            raise exceptions.ValidationError({"tab": [f"Use one of: {', '.join(selectors.INBOX_TABS)}."]})
        received = QuestionTarget.objects.filter(department=department).filter(
            selectors.inbox_filter(tab, user, timezone.now())
        )
        return questions.filter(pk__in=received.values("question_id"))

    def paginate_queryset(self, queryset):
        from django.db.models import Prefetch

        queryset = queryset.prefetch_related(
            Prefetch("targets", queryset=QuestionTarget.objects.select_related("department", "assignee__profile"),
                     to_attr="target_list")
        )  # fmt: skip
        return super().paginate_queryset(queryset)

    def get_serializer_class(self):
        return QuestionDetailSerializer if self.action == "retrieve" else QuestionSerializer

    def get_object(self) -> Question:
        return access.access_question(self.request.user, self.kwargs["pk"])

    @extend_schema(
        request={"application/json": AskSerializer, "multipart/form-data": AskSerializer},
        responses={201: QuestionDetailSerializer},
    )
    def create(self, request):
        """Ask one or several departments. A text the policy warns about answers 409 `policy_warning`."""
        data = _valid(AskSerializer, request)
        asking = access_department_content(request.user, data.pop("asking_department"))
        slugs = data.pop("departments")
        departments = list(departments_to_ask(request.user).filter(slug__in=slugs))
        if len(departments) != len(set(slugs)):
            raise exceptions.ValidationError({"departments": ["Ask existing departments (not All staff), by slug."]})
        if "attachments" in request.FILES:
            data["attachments"] = request.FILES.getlist("attachments")
        question = services.question_ask(acting_user=request.user, asking_department=asking, departments=departments,
                                         **data)  # fmt: skip
        return Response(QuestionDetailSerializer(question).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[OpenApiParameter("q", str, required=True, description="The title and text typed so far.")],
        responses=inline_serializer("SimilarQuestions", {"results": SimilarSerializer(many=True)}),
    )
    @action(detail=False, methods=["get"], pagination_class=None)
    def similar(self, request):
        """Earlier questions the caller reads that share words with `q` (for the ask form)."""
        text = request.query_params.get("q", "")[:1000]
        found = selectors.similar_questions(request.user, text)
        return Response({"results": SimilarSerializer(found, many=True).data})

    @extend_schema(methods=["GET"], responses=AnswerSerializer(many=True))
    @extend_schema(
        methods=["POST"],
        request={"application/json": AnswerWriteSerializer, "multipart/form-data": AnswerWriteSerializer},
        responses={201: AnswerSerializer},
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def answers(self, request, pk=None):
        question = self.get_object()
        if request.method == "POST":
            data = _valid(AnswerWriteSerializer, request)
            if "attachments" in request.FILES:
                data["attachments"] = request.FILES.getlist("attachments")
            answer = services.answer_create(acting_user=request.user, question=question, **data)
            answer.question = question
            return Response(AnswerSerializer(answer).data, status=status.HTTP_201_CREATED)
        answers, _ = selectors.thread(question, request.user)
        for answer in answers:
            answer.question = question
        return Response(AnswerSerializer(answers, many=True).data)

    @extend_schema(methods=["GET"], responses=QuestionCommentSerializer(many=True))
    @extend_schema(methods=["POST"], request=QuestionCommentWriteSerializer, responses={201: QuestionCommentSerializer})
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def comments(self, request, pk=None):
        question = self.get_object()
        if request.method == "POST":
            data = _valid(QuestionCommentWriteSerializer, request)
            comment = services.comment_create(acting_user=request.user, question=question, **data)
            return Response(QuestionCommentSerializer(comment).data, status=status.HTTP_201_CREATED)
        return Response(QuestionCommentSerializer(question.comments.select_related("author__profile"), many=True).data)

    @extend_schema(request=None, responses=QuestionDetailSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        question = services.question_reopen(acting_user=request.user, question=self.get_object())
        return Response(QuestionDetailSerializer(question).data)

    @extend_schema(request=AssignSerializer, responses=TargetSerializer)
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        """A manager of a department asked assigns the question to one of its members."""
        question = self.get_object()
        data = _valid(AssignSerializer, request)
        target = services.question_assign(acting_user=request.user, question=question, department=data["department"],
                                          assignee_id=data["assignee"])  # fmt: skip
        return Response(TargetSerializer(target).data)

    @extend_schema(
        request=ShareSerializer, responses={201: inline_serializer("SharedAs", {"url": serializers.CharField()})}
    )
    @action(detail=True, methods=["post"], url_path="to-post")
    def to_post(self, request, pk=None):
        """Post the question (and its accepted answer) in a department asked's feed, linking back."""
        data = _valid(ShareSerializer, request)
        post = services.question_to_post(acting_user=request.user, question=self.get_object(),
                                         department=data["department"])  # fmt: skip
        return Response({"url": reverse("feed:post", args=[post.pk])}, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=ShareSerializer, responses={201: inline_serializer("SharedAsIdea", {"url": serializers.CharField()})}
    )
    @action(detail=True, methods=["post"], url_path="to-idea")
    def to_idea(self, request, pk=None):
        """Propose the question as an idea on a department asked's board, linking back."""
        data = _valid(ShareSerializer, request)
        idea = services.question_to_idea(acting_user=request.user, question=self.get_object(),
                                         department=data["department"])  # fmt: skip
        return Response({"url": idea.get_absolute_url()}, status=status.HTTP_201_CREATED)


class AnswerViewSet(viewsets.GenericViewSet):
    """Edit, delete, accept and react to an answer."""

    serializer_class = AnswerSerializer
    lookup_value_converter = "id"

    def get_object(self) -> Answer:
        return access.access_answer(self.request.user, self.kwargs["pk"])

    @extend_schema(request=AnswerEditSerializer, responses=AnswerSerializer)
    def partial_update(self, request, pk=None):
        answer = self.get_object()
        services.answer_edit(acting_user=request.user, answer=answer, **_valid(AnswerEditSerializer, request))
        return Response(AnswerSerializer(answer).data)

    def destroy(self, request, pk=None):
        services.answer_delete(acting_user=request.user, answer=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses=QuestionDetailSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        """The asker, or a manager of a department asked: this answer closes the question."""
        question = services.answer_accept(acting_user=request.user, answer=self.get_object())
        return Response(QuestionDetailSerializer(question).data)

    @extend_schema(
        request=inline_serializer(
            "AnswerReactionToggle", {"emoji": serializers.ChoiceField(choices=[*REACTION_EMOJI])}
        ),
        responses=inline_serializer(
            "AnswerReactionState",
            {"on": serializers.BooleanField(), "counts": serializers.DictField(child=serializers.IntegerField())},
        ),
    )
    @action(detail=True, methods=["post"])
    def react(self, request, pk=None):
        answer = self.get_object()
        on = services.reaction_toggle(acting_user=request.user, answer=answer, emoji=request.data.get("emoji", ""))
        return Response({"on": on, "counts": answer.reaction_counts})


class ResponseTargetsViewSet(viewsets.GenericViewSet):
    """A department's response targets and working calendar (by slug): its readers see them, its managers set them."""

    serializer_class = TargetsSerializer
    lookup_field = "slug"
    lookup_value_converter = "slug"

    def get_object(self) -> Department:
        return access_department_content(self.request.user, self.kwargs["slug"])

    def retrieve(self, request, slug=None):
        return Response(TargetsSerializer(services.response_targets(self.get_object())).data)

    @extend_schema(request=TargetsSerializer, responses=TargetsSerializer)
    def update(self, request, slug=None):
        department = access_department_content(request.user, slug, moderate=True)
        targets = services.response_targets_update(acting_user=request.user, department=department,
                                                   **_valid(TargetsSerializer, request))  # fmt: skip
        return Response(TargetsSerializer(targets).data)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "days",
                {"type": "integer", "enum": [30, 90], "minimum": 30, "maximum": 90},
                description="The period (default 30).",
            )
        ],
        responses=FiguresSerializer,
    )
    @action(detail=True, methods=["get"])
    def figures(self, request, slug=None):
        """Median and 90th percentile business hours to first response and to answer, and the share within target."""
        department = self.get_object()
        days = request.query_params.get("days", "30")
        if days not in ("30", "90"):
            raise exceptions.ValidationError({"days": ["Use 30 or 90."]})
        return Response(FiguresSerializer(selectors.response_figures(department, days=int(days))).data)


def _valid(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)
