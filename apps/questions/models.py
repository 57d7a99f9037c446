"""Questions one department asks others, with response-time targets that are measured.

A `Question` is asked from one department (the asker's) of one or more others; each of
those is a `QuestionTarget`, which carries that department's clock: when its first
response and its answer fall due (in business time of its `ResponseTargets` calendar),
when they came, how long they took in business seconds, and how far the question has been
escalated. Figures are computed from these stored numbers, never by replaying calendars.

A confidential question is read by the asking and the answering departments only; any
other question by all staff (`QuestionQuerySet.visible_to`).
"""

import datetime as dt
import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from apps.departments.access import readable_department_ids
from apps.departments.models import Department

from .business_time import WorkingCalendar

MAX_TITLE_LENGTH = 200
MAX_BODY_LENGTH = 10_000
MAX_TARGETS = 5


def question_file_path(instance: "QuestionAttachment", filename: str) -> str:
    return f"questions/files/{uuid.uuid4().hex}"


class ResponseTargets(models.Model):
    """A department's promise to other departments, and the working calendar it is counted in."""

    department = models.OneToOneField(Department, on_delete=models.CASCADE, related_name="response_targets")
    first_response_days = models.DecimalField(
        max_digits=4, decimal_places=1, default=Decimal("1"),
        validators=[MinValueValidator(Decimal("0.1")), MaxValueValidator(Decimal("30"))],
        help_text="Business days to a first response.",
    )  # fmt: skip
    answer_days = models.DecimalField(
        max_digits=4, decimal_places=1, default=Decimal("3"),
        validators=[MinValueValidator(Decimal("0.1")), MaxValueValidator(Decimal("60"))],
        help_text="Business days to an accepted answer.",
    )  # fmt: skip
    time_zone = models.CharField(max_length=64, default="UTC")
    working_days = models.JSONField(default=list, help_text="Weekdays, 0 = Monday.")
    day_starts = models.TimeField(default=dt.time(9))
    day_ends = models.TimeField(default=dt.time(17))
    holiday_country = models.CharField(max_length=3, blank=True, help_text="Public holidays of this country.")
    closed_days = models.JSONField(default=list, blank=True, help_text="Other days off, as YYYY-MM-DD.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "response targets"

    def __str__(self) -> str:
        return f"Response targets of {self.department_id}"

    @property
    def calendar(self) -> WorkingCalendar:
        return WorkingCalendar(
            time_zone=self.time_zone,
            working_days=tuple(self.working_days or (0, 1, 2, 3, 4)),
            day_starts=self.day_starts,
            day_ends=self.day_ends,
            holiday_country=self.holiday_country,
            closed_days=frozenset(dt.date.fromisoformat(d) for d in self.closed_days or ()),
        )


class QuestionQuerySet(models.QuerySet):
    def visible_to(self, user) -> "QuestionQuerySet":
        """Open questions for whoever reads All staff; confidential ones for the asking and answering departments."""
        readable = readable_department_ids(user)
        audience = Q(asking_department_id__in=readable) | Q(
            Exists(QuestionTarget.objects.filter(question=OuterRef("pk"), department_id__in=readable))
        )
        open_to_all_staff = Q(is_confidential=False) & Q(Exists(readable.filter(is_company_wide=True)))
        return self.filter(audience | open_to_all_staff)


class Question(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        ANSWERED = "answered", "Answered"

    asker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="questions_asked")
    asking_department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="questions_asked")
    title = models.CharField(max_length=MAX_TITLE_LENGTH)
    body = models.TextField(max_length=MAX_BODY_LENGTH)
    body_html = models.TextField(editable=False)
    is_confidential = models.BooleanField(default=False)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    accepted_answer = models.ForeignKey("Answer", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    answered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    answer_count = models.PositiveIntegerField(default=0)
    comment_count = models.PositiveIntegerField(default=0)

    objects = QuestionQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["asking_department", "-id"], name="question_asked_by")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("questions:detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class QuestionTarget(models.Model):
    """One department asked: its clock, its assignee, how far the question was escalated there."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="targets")
    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="questions_received")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="questions_assigned"
    )
    asked_at = models.DateTimeField()
    answer_clock_at = models.DateTimeField(help_text="When the answer's clock started: asked, or reopened.")
    first_response_due_at = models.DateTimeField()
    answer_due_at = models.DateTimeField()
    first_response_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    first_response_seconds = models.PositiveIntegerField(null=True, blank=True, help_text="Business seconds.")
    answer_seconds = models.PositiveIntegerField(null=True, blank=True, help_text="Business seconds.")
    first_response_escalation = models.PositiveSmallIntegerField(default=0, help_text="0, 1 (assignee), 2 (managers)")
    answer_escalation = models.PositiveSmallIntegerField(default=0)
    shared_post = models.ForeignKey("feed.Post", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    shared_idea = models.ForeignKey("voting.Idea", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["department__name"]
        constraints = [models.UniqueConstraint(fields=["question", "department"], name="ask_a_department_once")]
        indexes = [
            models.Index(fields=["department", "-id"], name="question_inbox"),
            models.Index(fields=["department", "asked_at"], name="question_figures"),
        ]

    def __str__(self) -> str:
        return f"Question {self.question_id} to {self.department_id}"

    @property
    def first_response_late(self) -> bool:
        return self.first_response_at is None or self.first_response_at > self.first_response_due_at

    def is_overdue(self, now: dt.datetime) -> bool:
        if self.answered_at is not None:
            return False
        return self.answer_due_at < now or (self.first_response_at is None and self.first_response_due_at < now)


class Answer(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="answers")
    body = models.TextField(max_length=MAX_BODY_LENGTH)
    body_html = models.TextField(editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    reaction_counts = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["question", "id"])]

    def __str__(self) -> str:
        return f"Answer {self.pk} to question {self.question_id}"


class AnswerReaction(models.Model):
    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="reactions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="answer_reactions")
    emoji = models.CharField(max_length=20)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["answer", "user", "emoji"], name="react_to_an_answer_once")]

    def __str__(self) -> str:
        return f"{self.emoji} by {self.user_id} on answer {self.answer_id}"


class QuestionComment(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="question_comments")
    body = models.TextField(max_length=5_000)
    body_html = models.TextField(editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["question", "id"])]

    def __str__(self) -> str:
        return f"Comment {self.pk} on question {self.question_id}"


class QuestionAttachment(models.Model):
    """A file on the question itself (`answer` null) or on one of its answers."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="attachments")
    answer = models.ForeignKey(Answer, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=question_file_path)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["file"])]

    def __str__(self) -> str:
        return self.original_name
