"""Idea boards and polls.

An idea belongs to one department's board (the company-wide department is the
"All staff" board). Its vote count and trending score are denormalised on the row
and recomputed from the votes, under a row lock, whenever a vote changes (see
`services`), so a board page sorts and pages by them with an index.

A poll's ballots are stored apart from who voted: `PollParticipation` records that
a person voted (so nobody votes twice) and `PollBallot` records what was chosen. In
an anonymous poll the ballot carries no voter, no timestamp and a random id, so
nothing stored links a person to a choice.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from apps.departments.access import readable_department_ids
from apps.departments.models import Department

from .trending import NO_VOTES_SCORE


class IdeaQuerySet(models.QuerySet):
    def visible_to(self, user) -> "IdeaQuerySet":
        """Ideas on the boards `user` reads (`apps.departments.access`: their departments and All staff)."""
        return self.filter(department_id__in=readable_department_ids(user))

    def on_board(self) -> "IdeaQuerySet":
        """Ideas shown on a board: duplicates merged into another idea are left out."""
        return self.filter(merged_into__isnull=True)

    def with_status(self, status: str | None) -> "IdeaQuerySet":
        return self.filter(status=status) if status else self

    def search(self, query: str) -> "IdeaQuerySet":
        """Ideas whose title or description contains every word of `query` (case-insensitive)."""
        condition = Q()
        for word in query.split()[:8]:
            condition &= Q(title__icontains=word) | Q(description__icontains=word)
        return self.filter(condition)

    def with_my_vote(self, user) -> "IdeaQuerySet":
        """Annotate `my_vote`: whether `user` voted for the idea (one subquery, not a query per row)."""
        return self.annotate(my_vote=Exists(IdeaVote.objects.filter(idea=OuterRef("pk"), user_id=user.pk)))


class Idea(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        UNDER_REVIEW = "under_review", "Under review"
        PLANNED = "planned", "Planned"
        IN_PROGRESS = "in_progress", "In progress"
        SHIPPED = "shipped", "Shipped"
        DECLINED = "declined", "Declined"

    # Shipped and declined ideas are answered: their votes are frozen.
    CLOSED_STATUSES = frozenset({Status.SHIPPED, Status.DECLINED})

    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="ideas")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="ideas"
    )
    title = models.CharField(max_length=150)
    description = models.TextField(blank=True, max_length=10_000, help_text="Markdown.")
    description_html = models.TextField(blank=True, editable=False)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    vote_count = models.PositiveIntegerField(default=0, editable=False)
    trending_score = models.FloatField(
        default=NO_VOTES_SCORE, editable=False, help_text="See `trending.trending_score`."
    )
    comment_count = models.PositiveIntegerField(default=0, editable=False)
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        # A duplicate lives on only as a pointer to where its votes went.
        on_delete=models.CASCADE,
        related_name="merged_ideas",
    )
    merged_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = IdeaQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(merged_into=models.F("id")), name="idea_not_merged_into_itself"),
            models.CheckConstraint(
                condition=Q(status__in=["open", "under_review", "planned", "in_progress", "shipped", "declined"]),
                name="idea_status_is_known",
            ),
        ]
        # One index per board ordering; the board never shows merged duplicates.
        indexes = [
            models.Index(
                fields=["department", "-vote_count", "-id"],
                condition=Q(merged_into__isnull=True),
                name="idea_board_top",
            ),
            models.Index(
                fields=["department", "-trending_score", "-id"],
                condition=Q(merged_into__isnull=True),
                name="idea_board_trending",
            ),
            models.Index(fields=["department", "-id"], condition=Q(merged_into__isnull=True), name="idea_board_new"),
            models.Index(
                fields=["department", "status", "-vote_count", "-id"],
                condition=Q(merged_into__isnull=True),
                name="idea_board_status_top",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("voting:idea", args=[self.department.slug, self.pk])

    @property
    def is_merged(self) -> bool:
        return self.merged_into_id is not None

    @property
    def accepts_votes(self) -> bool:
        return not self.is_merged and self.status not in self.CLOSED_STATUSES


class IdeaVote(models.Model):
    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="idea_votes")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["idea", "user"], name="one_vote_per_person_per_idea")]

    def __str__(self) -> str:
        return f"{self.user_id} → idea {self.idea_id}"


class IdeaStatusChange(models.Model):
    """One entry of an idea's public history: a manager's answer."""

    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="status_changes")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    old_status = models.CharField(max_length=20, choices=Idea.Status.choices)
    new_status = models.CharField(max_length=20, choices=Idea.Status.choices)
    note = models.TextField(blank=True, max_length=5_000, help_text="Markdown.")
    note_html = models.TextField(blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.idea_id}: {self.old_status} → {self.new_status}"


class IdeaComment(models.Model):
    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="idea_comments"
    )
    body = models.TextField(max_length=5_000, help_text="Markdown.")
    body_html = models.TextField(editable=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"Comment {self.pk} on idea {self.idea_id}"


class PollQuerySet(models.QuerySet):
    def visible_to(self, user) -> "PollQuerySet":
        """Polls on the boards `user` reads."""
        return self.filter(department_id__in=readable_department_ids(user))

    def with_my_participation(self, user) -> "PollQuerySet":
        return self.annotate(i_voted=Exists(PollParticipation.objects.filter(poll=OuterRef("pk"), user_id=user.pk)))


class Poll(models.Model):
    class Kind(models.TextChoices):
        SINGLE = "single", "Single choice"
        MULTIPLE = "multiple", "Multiple choice"
        RANKED = "ranked", "Ranked choice"

    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="polls")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="polls"
    )
    question = models.CharField(max_length=200)
    description = models.TextField(blank=True, max_length=5_000, help_text="Markdown.")
    description_html = models.TextField(blank=True, editable=False)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.SINGLE)
    is_anonymous = models.BooleanField(
        default=False, help_text="Nobody, admins included, can see who voted what. Ballots are then final."
    )
    max_choices = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Multiple choice: at most this many options (empty: any number)."
    )
    closes_at = models.DateTimeField(null=True, blank=True, help_text="Empty: open until closed by hand.")
    ballot_count = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(default=timezone.now)

    objects = PollQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["department", "-id"], name="poll_department_newest")]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=["single", "multiple", "ranked"]), name="poll_kind_is_known"),
        ]

    def __str__(self) -> str:
        return self.question

    def get_absolute_url(self) -> str:
        return reverse("voting:poll", args=[self.department.slug, self.pk])

    def is_closed(self, now=None) -> bool:
        return self.closes_at is not None and self.closes_at <= (now or timezone.now())

    @property
    def closed(self) -> bool:
        return self.is_closed()


class PollOption(models.Model):
    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="options")
    label = models.CharField(max_length=200)
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["position"]
        constraints = [models.UniqueConstraint(fields=["poll", "position"], name="poll_option_position_unique")]

    def __str__(self) -> str:
        return self.label


class PollParticipation(models.Model):
    """That a person voted in a poll, and nothing about how: the guard against voting twice."""

    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="participations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["poll", "user"], name="one_ballot_per_person_per_poll")]

    def __str__(self) -> str:
        return f"{self.user_id} voted in poll {self.poll_id}"


class PollBallot(models.Model):
    """What one person chose. In an anonymous poll `voter` is empty and the row holds nothing that
    orders or dates it (random primary key, no timestamp), so it cannot be matched to a participation."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="ballots")
    voter = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["poll", "voter"], condition=Q(voter__isnull=False), name="one_named_ballot_per_poll"
            )
        ]

    def __str__(self) -> str:
        return f"Ballot in poll {self.poll_id}"


class PollChoice(models.Model):
    """One option marked on a ballot; `rank` (1 = first preference) in ranked-choice polls only."""

    # A random key here too: sequential ids would line choices up with the order people voted in.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    ballot = models.ForeignKey(PollBallot, on_delete=models.CASCADE, related_name="choices")
    option = models.ForeignKey(PollOption, on_delete=models.CASCADE, related_name="choices")
    rank = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ballot", "option"], name="option_once_per_ballot"),
            models.UniqueConstraint(
                fields=["ballot", "rank"], condition=Q(rank__isnull=False), name="rank_once_per_ballot"
            ),
        ]

    def __str__(self) -> str:
        return f"Option {self.option_id} (rank {self.rank})" if self.rank else f"Option {self.option_id}"
