"""REST API of game plans: the same gatekeepers, selectors and services as the pages."""

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.core.errors import Invalid
from apps.core.ids import parse_id
from apps.core.pagination import ByIdCursorPagination
from apps.core.schema import error_responses
from apps.core.serializers import ID_SCHEMA, IdField, PersonSerializer, person_field
from apps.departments.access import access_department_content

from . import access, selectors, services
from .models import Cadence, CheckIn, Goal, Plan, PlanVersion, Review, Role, Routine, Slot

MAX_NUMBER = 999_999_999_999


def _valid(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _department(request):
    """The `department` query filter (a slug) of the lists: a department the caller reads, or 404."""
    slug = request.query_params.get("department")
    return access_department_content(request.user, slug) if slug else None


DEPARTMENT_FILTER = OpenApiParameter("department", str, description="A department's slug (only its items).")


class StandingMixin(serializers.Serializer):
    percent = serializers.SerializerMethodField()
    expected_percent = serializers.SerializerMethodField()
    status = serializers.SerializerMethodField()

    def _standing(self, goal: Goal):
        if not hasattr(goal, "standing"):
            selectors.decorate_goals([goal], with_charts=False)
        return goal.standing

    def get_percent(self, goal: Goal) -> int:
        return self._standing(goal).percent

    def get_expected_percent(self, goal: Goal) -> int:
        return self._standing(goal).expected_percent

    def get_status(self, goal: Goal) -> str:
        return self._standing(goal).status


class GoalSerializer(StandingMixin, serializers.ModelSerializer):
    department = serializers.SlugRelatedField(source="plan.department", slug_field="slug", read_only=True)
    owner = person_field()

    class Meta:
        model = Goal
        fields = [
            "id",
            "department",
            "title",
            "description",
            "unit",
            "baseline",
            "target",
            "direction",
            "owner",
            "serves_mission",
            "parent",
            "starts_on",
            "due_on",
            "cadence",
            "idea",
            "measured_video",
            "current_value",
            "last_check_in_on",
            "percent",
            "expected_percent",
            "status",
        ]
        read_only_fields = fields


class GoalWriteSerializer(serializers.Serializer):
    department = serializers.SlugField(help_text="The department's slug (`all-staff` for a company-wide goal).")
    title = serializers.CharField(max_length=150, allow_blank=True, required=False)
    description = serializers.CharField(max_length=10_000, allow_blank=True, required=False)
    unit = serializers.CharField(max_length=40, allow_blank=True, required=False)
    baseline = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, allow_null=True)
    target = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, allow_null=True)
    direction = serializers.ChoiceField(choices=Goal.Direction.choices, required=False)
    owner = IdField(required=False, allow_null=True)
    serves_mission = serializers.BooleanField(required=False, default=False)
    parent = IdField(required=False, allow_null=True)
    starts_on = serializers.DateField(required=False, allow_null=True)
    due_on = serializers.DateField(required=False, allow_null=True)
    cadence = serializers.ChoiceField(choices=Cadence.choices, required=False)
    measured_video = IdField(
        required=False,
        allow_null=True,
        help_text="A video of the department or All staff: the goal's value is then the share (%) of members who "
        "completed it, computed from the completion records (check-ins by hand are refused).",
    )


class CheckInSerializer(serializers.ModelSerializer):
    author = person_field()

    class Meta:
        model = CheckIn
        fields = ["id", "value", "on", "comment", "evidence_url", "author", "created_at"]
        read_only_fields = fields


class CheckInWriteSerializer(serializers.Serializer):
    value = serializers.DecimalField(max_digits=14, decimal_places=2)
    on = serializers.DateField(required=False, allow_null=True)
    comment = serializers.CharField(max_length=500, allow_blank=True, required=False, default="")
    evidence_url = serializers.CharField(max_length=300, allow_blank=True, required=False, default="")


class PlanSerializer(serializers.ModelSerializer):
    department = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = Plan
        fields = [
            "department",
            "name",
            "theme",
            "mission",
            "mission_html",
            "principles",
            "principles_html",
            "review_period",
            "version",
            "updated_at",
        ]
        read_only_fields = fields


class PlanWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120, allow_blank=True, required=False, default="")
    theme = serializers.CharField(max_length=200, allow_blank=True, required=False, default="")
    mission = serializers.CharField(max_length=10_000, allow_blank=True, required=False, default="")
    principles = serializers.CharField(max_length=10_000, allow_blank=True, required=False, default="")
    review_period = serializers.ChoiceField(choices=Plan.ReviewPeriod.choices, required=False, default="monthly")
    summary = serializers.CharField(max_length=300, allow_blank=True, required=False, default="")


class PlanVersionSerializer(serializers.ModelSerializer):
    created_by = person_field()

    class Meta:
        model = PlanVersion
        fields = ["number", "summary", "body", "created_by", "created_at"]
        read_only_fields = fields


class PlanDiffLineSerializer(serializers.Serializer):
    kind = serializers.CharField()
    text = serializers.CharField()


class FollowSerializer(serializers.Serializer):
    follow = serializers.BooleanField()


@error_responses(404)
class PlanViewSet(viewsets.GenericViewSet):
    """A department's game plan, by the department's slug: read by its members, edited by its managers."""

    serializer_class = PlanSerializer
    lookup_field = "slug"
    lookup_value_converter = "slug"
    pagination_class = None
    queryset = Plan.objects.none()

    def retrieve(self, request, slug=None):
        department = access_department_content(request.user, slug)
        return Response(PlanSerializer(selectors.plan_for_reading(department)).data)

    @extend_schema(request=PlanWriteSerializer, responses=PlanSerializer)
    def update(self, request, slug=None):
        """Managers: the name, theme, mission and principles; saved as a new version."""
        department = access_department_content(request.user, slug)
        plan = services.plan_update(
            acting_user=request.user, department=department, **_valid(PlanWriteSerializer, request)
        )
        return Response(PlanSerializer(plan).data)

    @extend_schema(responses=PlanVersionSerializer(many=True))
    @action(detail=True, methods=["get"])
    def versions(self, request, slug=None):
        """Every version, newest first: who changed what, when."""
        department = access_department_content(request.user, slug)
        versions = PlanVersion.objects.filter(plan__department=department).select_related("created_by")[:200]
        return Response(PlanVersionSerializer(versions, many=True).data)

    @extend_schema(
        parameters=[
            OpenApiParameter("from", ID_SCHEMA, required=True),
            OpenApiParameter("to", ID_SCHEMA, required=True),
        ],
        responses=PlanDiffLineSerializer(many=True),
    )
    @action(detail=True, methods=["get"])
    def diff(self, request, slug=None):
        """What changed between two versions, line by line."""
        department = access_department_content(request.user, slug)
        numbers = [parse_id(request.query_params.get(name, "")) for name in ("from", "to")]
        found = {
            v.number: v
            for v in PlanVersion.objects.filter(plan__department=department, number__in=[n for n in numbers if n])
        }
        if not all(n in found for n in numbers):
            raise Invalid.fields(
                {"from": "Give two existing version numbers as `from` and `to`."}, code="unknown_version"
            )
        return Response(PlanDiffLineSerializer(selectors.diff(found[numbers[0]], found[numbers[1]]), many=True).data)

    @extend_schema(request=FollowSerializer, responses=FollowSerializer)
    @action(detail=True, methods=["post"])
    def follow(self, request, slug=None):
        """Follow the plan (notified of each new version), or stop with `{"follow": false}`."""
        department = access_department_content(request.user, slug)
        data = _valid(FollowSerializer, request)
        return Response(
            {"follow": services.plan_follow(acting_user=request.user, department=department, follow=data["follow"])}
        )


class GoalFromIdeaSerializer(GoalWriteSerializer):
    department = None
    idea = IdField(help_text="The idea of the board to turn into a goal; title and description default to its own.")


class LinkSerializer(serializers.Serializer):
    post = IdField(help_text="A post of the goal's department that advances it.")


class LinkResultSerializer(serializers.Serializer):
    goal = serializers.IntegerField()
    post = serializers.IntegerField()


class VideoLinkSerializer(serializers.Serializer):
    video = IdField(help_text="A video the caller watches, of the department or of All staff.")


class VideoLinkResultSerializer(serializers.Serializer):
    goal = serializers.IntegerField()
    video = serializers.IntegerField()


@error_responses(404)
class GoalViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """SMART goals of the plans the caller reads."""

    serializer_class = GoalSerializer
    pagination_class = ByIdCursorPagination
    lookup_value_converter = "id"

    def get_queryset(self):
        goals = Goal.objects.visible_to(self.request.user).select_related("owner__profile", "plan__department")
        department = _department(self.request)
        return goals.filter(plan__department=department) if department else goals

    def get_object(self) -> Goal:
        return access.access_goal(self.request.user, self.kwargs["pk"])

    @extend_schema(parameters=[DEPARTMENT_FILTER])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=GoalWriteSerializer, responses={201: GoalSerializer})
    def create(self, request):
        """Managers: a goal; refused with a field error per missing SMART letter (`not_smart`)."""
        data = _valid(GoalWriteSerializer, request)
        department = access_department_content(request.user, data.pop("department"))
        goal = services.goal_create(acting_user=request.user, department=department, data=data)
        return Response(GoalSerializer(goal).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: None})
    def destroy(self, request, pk=None):
        """Managers: remove the goal with its check-ins, post tags and video links (a new version of the plan).

        Refused with 409 `rolled_up_into` while other departments' goals roll up into it.
        """
        services.goal_delete(acting_user=request.user, goal=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request=CheckInWriteSerializer, responses={200: CheckInSerializer(many=True), 201: CheckInSerializer}
    )
    @action(detail=True, methods=["get", "post"], url_path="check-ins", pagination_class=None)
    def check_ins(self, request, pk=None):
        """The goal's check-ins (GET), or a new one by its owner or a manager (POST)."""
        goal = self.get_object()
        if request.method == "GET":
            return Response(CheckInSerializer(goal.check_ins.select_related("author__profile")[:500], many=True).data)
        check_in = services.check_in_record(
            acting_user=request.user, goal=goal, **_valid(CheckInWriteSerializer, request)
        )
        return Response(CheckInSerializer(check_in).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=LinkSerializer, responses={201: LinkResultSerializer})
    @action(detail=True, methods=["post"])
    def links(self, request, pk=None):
        """Tag a post with the goal it advances (the post's author or a manager)."""
        goal = self.get_object()
        link = services.goal_link_post(
            acting_user=request.user, goal=goal, post_id=_valid(LinkSerializer, request)["post"]
        )
        return Response({"goal": link.goal_id, "post": link.post_id}, status=status.HTTP_201_CREATED)

    @extend_schema(request=VideoLinkSerializer, responses={201: VideoLinkResultSerializer})
    @action(detail=True, methods=["post"])
    def videos(self, request, pk=None):
        """List a video under the goal it advances (the goal's owner, a manager, or the video's uploader)."""
        goal = self.get_object()
        link = services.goal_link_video(
            acting_user=request.user, goal=goal, video_id=_valid(VideoLinkSerializer, request)["video"]
        )
        return Response({"goal": link.goal_id, "video": link.video_id}, status=status.HTTP_201_CREATED)

    @extend_schema(request=GoalFromIdeaSerializer, responses={201: GoalSerializer})
    @action(detail=False, methods=["post"], url_path="from-idea")
    def from_idea(self, request):
        """Managers: turn an idea of their board into a goal; the idea says so and its voters are told."""
        data = _valid(GoalFromIdeaSerializer, request)
        idea_id = data.pop("idea")
        goal = services.idea_promote(acting_user=request.user, idea_id=idea_id, data=data)
        return Response(GoalSerializer(goal).data, status=status.HTTP_201_CREATED)


class RoleSerializer(serializers.ModelSerializer):
    department = serializers.SlugRelatedField(source="plan.department", slug_field="slug", read_only=True)
    holders = serializers.SerializerMethodField()

    class Meta:
        model = Role
        fields = ["id", "department", "name", "duties", "holders"]
        read_only_fields = fields

    @extend_schema_field(PersonSerializer(many=True))
    def get_holders(self, role: Role) -> list[dict]:
        return [{"id": u.pk, "name": u.display_name} for u in role.holders.all()]


class RoleWriteSerializer(serializers.Serializer):
    department = serializers.SlugField()
    name = serializers.CharField(max_length=100)
    duties = serializers.CharField(max_length=2000, allow_blank=True, required=False, default="")
    holders = serializers.ListField(child=IdField(), required=False, default=list, max_length=500)


class RoleChangeSerializer(serializers.Serializer):
    """What a PATCH changes; a field left out keeps its value."""

    name = serializers.CharField(max_length=100, required=False)
    duties = serializers.CharField(max_length=2000, allow_blank=True, required=False)
    holders = serializers.ListField(child=IdField(), required=False, max_length=500)


@error_responses(404)
class RoleViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Roles and responsibilities in the plans the caller reads."""

    serializer_class = RoleSerializer
    pagination_class = ByIdCursorPagination
    lookup_value_converter = "id"

    def get_queryset(self):
        roles = (
            Role.objects.visible_to(self.request.user)
            .select_related("plan__department")
            .prefetch_related("holders__profile")
        )
        department = _department(self.request)
        return roles.filter(plan__department=department) if department else roles

    @extend_schema(parameters=[DEPARTMENT_FILTER])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=RoleWriteSerializer, responses={201: RoleSerializer})
    def create(self, request):
        """Managers: a role, with the members who hold it."""
        data = _valid(RoleWriteSerializer, request)
        department = access_department_content(request.user, data.pop("department"))
        role = services.role_save(
            acting_user=request.user,
            department=department,
            name=data["name"],
            duties=data["duties"],
            holder_ids=data["holders"],
        )
        return Response(RoleSerializer(role).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=RoleChangeSerializer, responses=RoleSerializer)
    def partial_update(self, request, pk=None):
        """Managers: rename the role, change what it does or who holds it (a new version of the plan)."""
        role = access.access_role(request.user, pk)
        data = _valid(RoleChangeSerializer, request)
        holders = data["holders"] if "holders" in data else list(role.holders.values_list("pk", flat=True))
        role = services.role_save(
            acting_user=request.user,
            department=role.plan.department,
            role=role,
            name=data.get("name", role.name),
            duties=data.get("duties", role.duties),
            holder_ids=holders,
        )
        return Response(RoleSerializer(Role.objects.prefetch_related("holders__profile").get(pk=role.pk)).data)

    @extend_schema(request=None, responses={204: None})
    def destroy(self, request, pk=None):
        """Managers: remove the role (its holders no longer hold it)."""
        services.role_delete(acting_user=request.user, role=access.access_role(request.user, pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class RoutineSerializer(serializers.ModelSerializer):
    department = serializers.SlugRelatedField(source="plan.department", slug_field="slug", read_only=True)
    owner = person_field()

    class Meta:
        model = Routine
        fields = ["id", "department", "title", "owner", "cadence"]
        read_only_fields = fields


class RoutineWriteSerializer(serializers.Serializer):
    department = serializers.SlugField()
    title = serializers.CharField(max_length=200)
    owner = IdField()
    cadence = serializers.ChoiceField(choices=Cadence.choices)


class RoutineChangeSerializer(serializers.Serializer):
    """What a PATCH changes; a field left out keeps its value."""

    title = serializers.CharField(max_length=200, required=False)
    owner = IdField(required=False)
    cadence = serializers.ChoiceField(choices=Cadence.choices, required=False)


class DoneSerializer(serializers.Serializer):
    evidence_url = serializers.CharField(max_length=300, allow_blank=True, required=False, default="")


class DoneResultSerializer(serializers.Serializer):
    period_start = serializers.DateField()
    evidence_url = serializers.CharField()


@error_responses(404)
class RoutineViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Recurring routines of the plans the caller reads."""

    serializer_class = RoutineSerializer
    pagination_class = ByIdCursorPagination
    lookup_value_converter = "id"

    def get_queryset(self):
        routines = Routine.objects.visible_to(self.request.user).select_related("owner__profile", "plan__department")
        department = _department(self.request)
        return routines.filter(plan__department=department) if department else routines

    @extend_schema(parameters=[DEPARTMENT_FILTER])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=RoutineWriteSerializer, responses={201: RoutineSerializer})
    def create(self, request):
        data = _valid(RoutineWriteSerializer, request)
        department = access_department_content(request.user, data.pop("department"))
        routine = services.routine_create(
            acting_user=request.user,
            department=department,
            title=data["title"],
            owner_id=data["owner"],
            cadence=data["cadence"],
        )
        return Response(RoutineSerializer(routine).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=RoutineChangeSerializer, responses=RoutineSerializer)
    def partial_update(self, request, pk=None):
        """Managers: change the routine's title, owner or cadence (a new version of the plan)."""
        routine = access.access_routine(request.user, pk)
        data = _valid(RoutineChangeSerializer, request)
        routine = services.routine_update(
            acting_user=request.user,
            routine=routine,
            title=data.get("title", routine.title),
            owner_id=data.get("owner", routine.owner_id),
            cadence=data.get("cadence", routine.cadence),
        )
        return Response(RoutineSerializer(routine).data)

    @extend_schema(request=None, responses={204: None})
    def destroy(self, request, pk=None):
        """Managers: remove the routine and its record of periods done."""
        services.routine_delete(acting_user=request.user, routine=access.access_routine(request.user, pk))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=DoneSerializer, responses={201: DoneResultSerializer})
    @action(detail=True, methods=["post"])
    def done(self, request, pk=None):
        """The owner (or a manager) marks the routine done for the current period, with evidence."""
        routine = access.access_routine(request.user, pk)
        done = services.routine_mark_done(acting_user=request.user, routine=routine, **_valid(DoneSerializer, request))
        return Response(DoneResultSerializer(done).data, status=status.HTTP_201_CREATED)


class SlotSerializer(serializers.ModelSerializer):
    department = serializers.SlugRelatedField(source="plan.department", slug_field="slug", read_only=True)
    owner = person_field()

    class Meta:
        model = Slot
        fields = ["id", "department", "on", "channel", "theme", "owner", "status", "company_wide", "post", "video"]
        read_only_fields = fields


class SlotWriteSerializer(serializers.Serializer):
    department = serializers.SlugField()
    on = serializers.DateField()
    channel = serializers.ChoiceField(choices=Slot.Channel.choices)
    theme = serializers.CharField(max_length=200)
    owner = IdField()
    status = serializers.ChoiceField(choices=Slot.Status.choices, required=False, default="idea")
    company_wide = serializers.BooleanField(required=False, default=False)


class SlotStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Slot.Status.choices)


@error_responses(404)
class SlotViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The content plan's slots in the plans the caller reads."""

    serializer_class = SlotSerializer
    pagination_class = ByIdCursorPagination
    lookup_value_converter = "id"

    def get_queryset(self):
        slots = Slot.objects.visible_to(self.request.user).select_related("owner__profile", "plan__department")
        department = _department(self.request)
        return slots.filter(plan__department=department) if department else slots

    @extend_schema(parameters=[DEPARTMENT_FILTER])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=SlotWriteSerializer, responses={201: SlotSerializer})
    def create(self, request):
        data = _valid(SlotWriteSerializer, request)
        department = access_department_content(request.user, data.pop("department"))
        slot = services.slot_create(acting_user=request.user, department=department, owner_id=data.pop("owner"), **data)
        return Response(SlotSerializer(slot).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=VideoLinkSerializer, responses=SlotSerializer)
    @action(detail=True, methods=["post"])
    def video(self, request, pk=None):
        """The slot's owner or a manager fills a video slot with its video; the slot is then published."""
        slot = access.access_slot(request.user, pk)
        slot = services.slot_link_video(
            acting_user=request.user, slot=slot, video_id=_valid(VideoLinkSerializer, request)["video"]
        )
        return Response(SlotSerializer(slot).data)

    @extend_schema(request=SlotStatusSerializer, responses=SlotSerializer)
    @action(detail=True, methods=["post"])
    def status(self, request, pk=None):
        """The slot's owner or a manager moves it along: idea → draft → scheduled → published → reviewed."""
        slot = access.access_slot(request.user, pk)
        slot = services.slot_set_status(
            acting_user=request.user, slot=slot, status=_valid(SlotStatusSerializer, request)["status"]
        )
        return Response(SlotSerializer(slot).data)


class ReviewSerializer(serializers.ModelSerializer):
    department = serializers.SlugRelatedField(source="plan.department", slug_field="slug", read_only=True)
    author = person_field()

    class Meta:
        model = Review
        fields = [
            "id",
            "department",
            "period_start",
            "period_end",
            "figures",
            "worked",
            "worked_html",
            "changes",
            "changes_html",
            "proposals",
            "accepted_at",
            "author",
            "created_at",
        ]
        read_only_fields = fields


class ProposalSerializer(serializers.Serializer):
    goal = IdField()
    target = serializers.DecimalField(max_digits=14, decimal_places=2)


class ReviewWriteSerializer(serializers.Serializer):
    department = serializers.SlugField()
    worked = serializers.CharField(max_length=10_000, allow_blank=True, required=False, default="")
    changes = serializers.CharField(max_length=10_000, allow_blank=True, required=False, default="")
    proposals = ProposalSerializer(many=True, required=False, default=list)


@error_responses(404)
class ReviewViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Results reviews of the plans the caller reads; managers write them."""

    serializer_class = ReviewSerializer
    pagination_class = ByIdCursorPagination
    lookup_value_converter = "id"

    def get_queryset(self):
        reviews = Review.objects.visible_to(self.request.user).select_related("author__profile", "plan__department")
        department = _department(self.request)
        return reviews.filter(plan__department=department) if department else reviews

    def get_object(self) -> Review:
        return access.access_review(self.request.user, self.kwargs["pk"])

    @extend_schema(parameters=[DEPARTMENT_FILTER])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=ReviewWriteSerializer, responses={201: ReviewSerializer})
    def create(self, request):
        """Managers: a review of the last period, with the figures pulled in."""
        data = _valid(ReviewWriteSerializer, request)
        department = access_department_content(request.user, data.pop("department"))
        proposals = [{"goal": p["goal"], "target": str(p["target"])} for p in data.pop("proposals")]
        review = services.review_create(acting_user=request.user, department=department, proposals=proposals, **data)
        return Response(ReviewSerializer(review).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=PlanVersionSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        """Managers: apply the review's proposed targets, as a new version of the plan."""
        version = services.review_accept(acting_user=request.user, review=self.get_object())
        return Response(PlanVersionSerializer(version).data)
