"""A department's game plan: mission, SMART goals with check-ins, routines, reviews and the content plan.

Who reads a plan is who reads the department's content (`apps.departments.access`); the
plans app adds only who edits (`access.can_edit_plan`). Every edit of the plan's text makes
a `PlanVersion` (a readable snapshot to diff against).
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q, QuerySet

from apps.departments.access import readable_department_ids

MAX_TEXT = 10_000


class Cadence(models.TextChoices):
    WEEKLY = "weekly", "Weekly"
    FORTNIGHTLY = "fortnightly", "Fortnightly"
    MONTHLY = "monthly", "Monthly"


CADENCE_DAYS = {Cadence.WEEKLY: 7, Cadence.FORTNIGHTLY: 14, Cadence.MONTHLY: 30}


class VisibleQuerySet(QuerySet):
    """Rows of plans whose department `user` reads; `_department_path` says how to get there."""

    _department_path = "plan__department_id"

    def visible_to(self, user) -> QuerySet:
        return self.filter(**{f"{self._department_path}__in": readable_department_ids(user)})


class PlanQuerySet(VisibleQuerySet):
    _department_path = "department_id"


class CheckInQuerySet(VisibleQuerySet):
    _department_path = "goal__plan__department_id"


class Plan(models.Model):
    class ReviewPeriod(models.TextChoices):
        MONTHLY = "monthly", "Monthly"
        QUARTERLY = "quarterly", "Quarterly"

    department = models.OneToOneField("departments.Department", on_delete=models.CASCADE, related_name="plan")
    name = models.CharField(max_length=120, blank=True, help_text="The programme's name.")
    theme = models.CharField(max_length=200, blank=True)
    mission = models.TextField(max_length=MAX_TEXT, blank=True, help_text="Markdown.")
    mission_html = models.TextField(blank=True, editable=False)
    principles = models.TextField(max_length=MAX_TEXT, blank=True, help_text="Markdown.")
    principles_html = models.TextField(blank=True, editable=False)
    review_period = models.CharField(max_length=10, choices=ReviewPeriod.choices, default=ReviewPeriod.MONTHLY)
    version = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)
    followers = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="followed_plans")

    objects = PlanQuerySet.as_manager()

    def __str__(self) -> str:
        return self.name or f"Game plan of {self.department_id}"


class PlanVersion(models.Model):
    """The plan as text after one edit: who, when, what (summary), and a body to diff."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    summary = models.CharField(max_length=300, blank=True)
    body = models.TextField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = VisibleQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["plan", "number"], name="plan_version_number")]
        ordering = ["-number"]

    def __str__(self) -> str:
        return f"Version {self.number} of plan {self.plan_id}"


class Goal(models.Model):
    class Direction(models.TextChoices):
        UP = "up", "Higher is better"
        DOWN = "down", "Lower is better"

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="goals")
    title = models.CharField(max_length=150)
    description = models.TextField(max_length=MAX_TEXT, blank=True)
    unit = models.CharField(max_length=40, blank=True)
    baseline = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    target = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    direction = models.CharField(max_length=4, choices=Direction.choices, default=Direction.UP)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="owned_goals"
    )
    serves_mission = models.BooleanField(default=False, help_text="It serves the department's mission.")
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="children",
        help_text="The company-wide (All staff) goal it rolls up into.",
    )
    starts_on = models.DateField(null=True, blank=True)
    due_on = models.DateField(null=True, blank=True)
    cadence = models.CharField(max_length=12, choices=Cadence.choices, default=Cadence.MONTHLY)
    idea = models.OneToOneField(
        "voting.Idea",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="goal",
        help_text="The idea this goal was promoted from.",
    )
    measured_video = models.ForeignKey(
        "videos.Video",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Measured from completions: the share (%) of the department's members who watched it.",
    )
    current_value = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True, editable=False)
    last_check_in_on = models.DateField(null=True, blank=True, editable=False)
    reminded_on = models.DateField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = VisibleQuerySet.as_manager()

    class Meta:
        ordering = ["due_on", "pk"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("plans:goal", args=[self.pk])


class CheckIn(models.Model):
    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="check_ins")
    value = models.DecimalField(max_digits=14, decimal_places=2)
    on = models.DateField()
    comment = models.CharField(max_length=500, blank=True)
    evidence_url = models.CharField(max_length=300, blank=True, help_text="A link to a post, video or idea.")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CheckInQuerySet.as_manager()

    class Meta:
        ordering = ["on", "pk"]
        indexes = [models.Index(fields=["goal", "on"], name="checkin_goal_on")]

    def __str__(self) -> str:
        return f"{self.value} on {self.on} for goal {self.goal_id}"


class GoalLink(models.Model):
    """A post that advances a goal (tagged by its author or a manager)."""

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="links")
    post = models.ForeignKey("feed.Post", on_delete=models.CASCADE, related_name="goal_links")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["goal", "post"], name="goal_link_once")]

    def __str__(self) -> str:
        return f"Post {self.post_id} advances goal {self.goal_id}"


class GoalVideo(models.Model):
    """A video that advances a goal (linked by a manager, the goal's owner or the video's uploader)."""

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="video_links")
    video = models.ForeignKey("videos.Video", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["goal", "video"], name="goal_video_once")]

    def __str__(self) -> str:
        return f"Video {self.video_id} advances goal {self.goal_id}"


class Role(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="roles")
    name = models.CharField(max_length=100)
    duties = models.TextField(max_length=2000, blank=True, help_text="What the role does.")
    holders = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="plan_roles")

    objects = VisibleQuerySet.as_manager()

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name


class Routine(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="routines")
    title = models.CharField(max_length=200)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="routines")
    cadence = models.CharField(max_length=12, choices=Cadence.choices, default=Cadence.WEEKLY)
    reminded_for = models.DateField(null=True, blank=True, editable=False, help_text="The period last reminded.")

    objects = VisibleQuerySet.as_manager()

    class Meta:
        ordering = ["title", "pk"]

    def __str__(self) -> str:
        return self.title


class RoutineDone(models.Model):
    """A routine done for one period (the period's first day), with its evidence."""

    routine = models.ForeignKey(Routine, on_delete=models.CASCADE, related_name="done")
    period_start = models.DateField()
    evidence_url = models.CharField(max_length=300, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    done_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["routine", "period_start"], name="routine_done_once")]

    def __str__(self) -> str:
        return f"Routine {self.routine_id} done for {self.period_start}"


class Review(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="reviews")
    period_start = models.DateField()
    period_end = models.DateField()
    figures = models.JSONField(default=dict, help_text="Goals' progress and activity numbers over the period.")
    worked = models.TextField(max_length=MAX_TEXT, blank=True, help_text="What worked (markdown).")
    worked_html = models.TextField(blank=True, editable=False)
    changes = models.TextField(max_length=MAX_TEXT, blank=True, help_text="What we change (markdown).")
    changes_html = models.TextField(blank=True, editable=False)
    proposals = models.JSONField(default=list, blank=True, help_text='[{"goal": id, "target": "12"}]')
    accepted_at = models.DateTimeField(null=True, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = VisibleQuerySet.as_manager()

    class Meta:
        ordering = ["-period_end", "-pk"]

    def __str__(self) -> str:
        return f"Review of plan {self.plan_id}, {self.period_start} to {self.period_end}"


class Slot(models.Model):
    """One planned item of the content plan, like a page of a magazine's issue."""

    class Channel(models.TextChoices):
        POST = "post", "Feed post"
        ANNOUNCEMENT = "announcement", "Announcement"
        VIDEO = "video", "Video"
        CHAT_EVENT = "chat_event", "Chat event"

    class Status(models.TextChoices):
        IDEA = "idea", "Idea"
        DRAFT = "draft", "Draft"
        SCHEDULED = "scheduled", "Scheduled"
        PUBLISHED = "published", "Published"
        REVIEWED = "reviewed", "Reviewed"

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="slots")
    on = models.DateField()
    channel = models.CharField(max_length=20, choices=Channel.choices, default=Channel.POST)
    theme = models.CharField(max_length=200)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="slots")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.IDEA)
    company_wide = models.BooleanField(default=False, help_text="Addressed to all staff (checked for clashes).")
    post = models.OneToOneField("feed.Post", null=True, blank=True, on_delete=models.SET_NULL, related_name="plan_slot")
    video = models.ForeignKey(
        "videos.Video",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The video that fills it.",
    )
    reminded_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = VisibleQuerySet.as_manager()

    class Meta:
        ordering = ["on", "pk"]
        indexes = [models.Index(fields=["on"], condition=Q(company_wide=True), name="slot_company_wide")]

    def __str__(self) -> str:
        return f"{self.channel} on {self.on}: {self.theme}"


def new_calendar_secret() -> str:
    return secrets.token_urlsafe(32)


class CalendarFeed(models.Model):
    """A person's secret iCalendar address: one per person, replaced (revoked) at will."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="plan_calendar")
    secret = models.CharField(max_length=64, unique=True, default=new_calendar_secret)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Calendar feed of {self.user_id}"
