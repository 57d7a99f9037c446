"""Reads for question pages: inboxes, the questions a department asked, a question's thread,
duplicate suggestions and response-time figures. Lists cost a constant number of queries."""

import math
import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Case, Count, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.utils import timezone

from apps.accounts.models import User
from apps.core.pagination import Page, keyset_page
from apps.departments.models import Department
from apps.feed.models import REACTION_EMOJI, REACTION_LABELS

from .models import Answer, AnswerReaction, Question, QuestionAttachment, QuestionComment, QuestionTarget

PAGE_SIZE = 25
INBOX_TABS = {
    "unassigned": "Unassigned",
    "mine": "Assigned to me",
    "overdue": "Overdue",
    "open": "All open",
    "answered": "Answered",
}
STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "but",
        "by",
        "can",
        "could",
        "do",
        "does",
        "for",
        "from",
        "had",
        "has",
        "have",
        "how",
        "i",
        "if",
        "in",
        "is",
        "it",
        "its",
        "me",
        "my",
        "of",
        "on",
        "or",
        "our",
        "please",
        "should",
        "so",
        "that",
        "the",
        "their",
        "them",
        "there",
        "they",
        "this",
        "to",
        "was",
        "we",
        "what",
        "when",
        "where",
        "which",
        "who",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
    ]
)
SIMILAR_LIMIT = 5


def _overdue(now: datetime) -> Q:
    return Q(answered_at__isnull=True) & (
        Q(answer_due_at__lt=now) | Q(first_response_at__isnull=True, first_response_due_at__lt=now)
    )


def inbox_filter(tab: str, user: User, now: datetime) -> Q:
    return {
        "unassigned": Q(question__status=Question.Status.OPEN, assignee__isnull=True),
        "mine": Q(question__status=Question.Status.OPEN, assignee_id=user.pk),
        "overdue": Q(question__status=Question.Status.OPEN) & _overdue(now),
        "open": Q(question__status=Question.Status.OPEN),
        "answered": Q(question__status=Question.Status.ANSWERED),
    }[tab]


def inbox_counts(department: Department, user: User, now: datetime) -> dict[str, int]:
    """How many questions each inbox tab holds, in one query."""
    received = QuestionTarget.objects.filter(department=department)
    return received.aggregate(**{tab: Count("pk", filter=inbox_filter(tab, user, now)) for tab in INBOX_TABS})


def inbox_page(department: Department, user: User, *, tab: str, cursor: str | None, now: datetime) -> Page:
    targets = QuestionTarget.objects.filter(department=department).filter(inbox_filter(tab, user, now))
    targets = targets.select_related("question__asker__profile", "question__asking_department", "assignee__profile")
    page = keyset_page(targets, fields=("-id",), cursor=cursor, size=PAGE_SIZE)
    for target in page.items:
        target.overdue = target.is_overdue(now)
    return page


def asked_page(department: Department, user: User, *, cursor: str | None, now: datetime) -> Page:
    """Questions the department asked that `user` reads, newest first, with the departments asked."""
    questions = Question.objects.visible_to(user).filter(asking_department=department)
    questions = questions.select_related("asker__profile", "asking_department").prefetch_related(
        Prefetch("targets", queryset=QuestionTarget.objects.select_related("department"), to_attr="target_list")
    )
    page = keyset_page(questions, fields=("-id",), cursor=cursor, size=PAGE_SIZE)
    for question in page.items:
        question.overdue = any(t.is_overdue(now) for t in question.target_list)
    return page


def visible_questions(user: User) -> QuerySet[Question]:
    return Question.objects.visible_to(user).select_related("asker__profile", "asking_department")


def thread(question: Question, user: User) -> tuple[list[Answer], list[QuestionComment]]:
    """Answers (accepted first, then oldest first) with their files and the user's reactions, and the comments."""
    answers = list(
        question.answers.select_related("author__profile").prefetch_related(
            "attachments",
            Prefetch("reactions", queryset=AnswerReaction.objects.filter(user_id=user.pk), to_attr="my_reactions"),
        )
    )
    for answer in answers:
        mine = {r.emoji for r in answer.my_reactions}
        answer.reactions_view = [
            (key, emoji, REACTION_LABELS[key], answer.reaction_counts.get(key, 0), key in mine)
            for key, emoji in REACTION_EMOJI.items()
        ]
        answer.accepted = answer.pk == question.accepted_answer_id
    answers.sort(key=lambda a: (not a.accepted, a.pk))
    comments = list(question.comments.select_related("author__profile"))
    return answers, comments


def question_files(question: Question) -> list[QuestionAttachment]:
    return list(question.attachments.filter(answer__isnull=True))


def keywords(text: str) -> list[str]:
    """The words of `text` worth matching on: three letters or more, not the commonest ones, at most 8."""
    words = []
    for raw in text.lower().replace("’", "'").split():
        word = "".join(ch for ch in raw if ch.isalnum() or ch == "-").strip("-")
        if len(word) >= 3 and word not in STOP_WORDS and word not in words:
            words.append(word)
    return words[:8]


def similar_questions(user: User, text: str, *, exclude: int | None = None) -> list[Question]:
    """Earlier questions `user` reads that share words with `text`: a word in the title counts twice."""
    words = keywords(text)
    if not words:
        return []
    score = Value(0, output_field=IntegerField())
    condition = Q()
    for word in words:
        score = score + Case(When(title__icontains=word, then=Value(2)), default=Value(0), output_field=IntegerField())
        score = score + Case(When(body__icontains=word, then=Value(1)), default=Value(0), output_field=IntegerField())
        condition |= Q(title__icontains=word) | Q(body__icontains=word)
    found = visible_questions(user).filter(condition).annotate(score=score)
    if exclude:
        found = found.exclude(pk=exclude)
    minimum = 2 if len(words) > 1 else 1
    return list(found.filter(score__gte=minimum).order_by("-score", "-id")[:SIMILAR_LIMIT])


# ---------------------------------------------------------------- response-time figures


@dataclass(frozen=True)
class Figures:
    days: int
    asked: int
    first_response_median: float | None  # business hours
    first_response_p90: float | None
    answer_median: float | None
    answer_p90: float | None
    first_response_within: float | None  # share, 0..1, of the questions whose first response is due or done
    answer_within: float | None
    first_response_counted: int
    answer_counted: int


def _hours(seconds: list[int]) -> list[float]:
    return sorted(s / 3600 for s in seconds)


def _p90(values: list[float]) -> float | None:
    """The nearest-rank 90th percentile: the time within which 90 % were done."""
    if not values:
        return None
    return values[max(0, math.ceil(0.9 * len(values)) - 1)]


def response_figures(department: Department, *, days: int, now: datetime | None = None) -> Figures:
    """Median and 90th percentile business hours to first response and to answer, and the share within target,
    over the questions asked of `department` in the last `days` days (one query).

    Public: the game plan can use these as a goal's metric.
    """
    now = now or timezone.now()
    rows = list(
        QuestionTarget.objects.filter(department=department, asked_at__gte=now - timedelta(days=days)).values_list(
            "first_response_at", "first_response_due_at", "first_response_seconds",
            "answered_at", "answer_due_at", "answer_seconds",
        )
    )  # fmt: skip
    first = _hours([r[2] for r in rows if r[2] is not None])
    answer = _hours([r[5] for r in rows if r[5] is not None])
    # A question counts once it was answered or its time ran out; one still within its time does not count yet.
    first_counted = [r for r in rows if r[0] is not None or r[1] < now]
    answer_counted = [r for r in rows if r[3] is not None or r[4] < now]
    first_ok = sum(1 for r in first_counted if r[0] is not None and r[0] <= r[1])
    answer_ok = sum(1 for r in answer_counted if r[3] is not None and r[3] <= r[4])
    return Figures(
        days=days,
        asked=len(rows),
        first_response_median=statistics.median(first) if first else None,
        first_response_p90=_p90(first),
        answer_median=statistics.median(answer) if answer else None,
        answer_p90=_p90(answer),
        first_response_within=first_ok / len(first_counted) if first_counted else None,
        answer_within=answer_ok / len(answer_counted) if answer_counted else None,
        first_response_counted=len(first_counted),
        answer_counted=len(answer_counted),
    )
