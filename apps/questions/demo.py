"""Demo questions for `seed_demo`: a few in each state (answered, assigned, overdue, reopened, confidential).

Idempotent: does nothing once any question exists. Made through the services, then moved
back in time (asked days ago, due dates recomputed in the department's calendar) so the
inbox shows overdue questions and the figures have something to draw. Needs the demo
departments (Customer Service, Product, Sales, Marketing); skipped without them. Run it
before `apps.policies.demo`.
"""

import random
from datetime import timedelta

from django.utils import timezone

from apps.accounts.models import User
from apps.core.demo import DemoContext, demo_step
from apps.departments.access import can_contribute, readers_of
from apps.departments.models import Department, Membership

from . import access, services
from .models import Question, QuestionTarget

QUESTIONS = [
    # (asking, asked, title, body, confidential, days ago, what happens)
    ("customer-service", ["product"], "When will the CSV export fix ship?",
     "Three customers asked today. Can we give them a **date**?", False, 9, "answered"),
    ("customer-service", ["product"], "Can customers on the Basic plan use single sign-on?",
     "A prospect asks before signing. Is SSO part of Basic, or only Business?", False, 2, "assigned"),
    ("sales", ["product", "engineering"], "Is the API rate limit going up next quarter?",
     "Two large accounts hit the limit every Monday morning.", False, 8, "overdue"),
    ("marketing", ["customer-service"], "Which billing questions do customers ask most?",
     "For the new FAQ page: the top five, in the customers' own words.", False, 12, "reopened"),
    ("customer-service", ["product"], "Is the Lyon office closing?",
     "A customer heard it from a supplier. What may we say?", True, 6, "overdue"),
]  # fmt: skip
ANSWERS = {
    "When will the CSV export fix ship?": "It is in release **3.4**, on Thursday. I will post when it is live.",
    "Which billing questions do customers ask most?": "1. Why was I charged twice?\n2. How do I change my card?",
}


def _people(department: Department) -> tuple[list[User], list[User]]:
    """(members who may write, managers) of the department, oldest first."""
    company = Department.objects.get(is_company_wide=True)
    people = [u for u in readers_of(department).select_related("profile").order_by("pk")[:30]
              if can_contribute(u, department) and can_contribute(u, company)]  # fmt: skip
    managers = set(Membership.objects.filter(department=department, role="manager").values_list("user_id", flat=True))
    return [u for u in people if u.pk not in managers] or people, [u for u in people if u.pk in managers]


def _move_back(question: Question, days: int) -> None:
    """As if asked `days` ago: every date moves, due dates are recomputed in each target's calendar."""
    asked = timezone.now() - timedelta(days=days)
    Question.objects.filter(pk=question.pk).update(created_at=asked)
    for target in QuestionTarget.objects.filter(question=question).select_related("department"):
        promise = services.response_targets(target.department)
        target.asked_at = target.answer_clock_at = asked
        target.first_response_due_at = promise.calendar.add_business_days(asked, float(promise.first_response_days))
        target.answer_due_at = promise.calendar.add_business_days(asked, float(promise.answer_days))
        target.save(update_fields=["asked_at", "answer_clock_at", "first_response_due_at", "answer_due_at"])


def _responded_after(question: Question, *, first_hours: float, answer_hours: float | None) -> None:
    """As if the first response (and the answer) came that many business hours after the question."""
    for target in QuestionTarget.objects.filter(question=question).select_related("department"):
        calendar = services.response_targets(target.department).calendar
        first = calendar.add_business_seconds(target.asked_at, round(first_hours * 3600))
        target.first_response_at, target.first_response_seconds = first, round(first_hours * 3600)
        fields = ["first_response_at", "first_response_seconds"]
        if answer_hours is not None and target.answered_at is not None:
            answered = calendar.add_business_seconds(target.asked_at, round(answer_hours * 3600))
            target.answered_at, target.answer_seconds = answered, round(answer_hours * 3600)
            fields += ["answered_at", "answer_seconds"]
        target.save(update_fields=fields)


@demo_step("questions.questions", after=["departments.memberships", "people.profiles", "feed.posts", "voting.boards"])
def seed_questions(ctx: DemoContext) -> str | None:
    seed(rng=ctx.random("questions"))
    return None


def seed(*, rng: random.Random) -> None:
    if Question.objects.exists():
        return
    departments = {d.slug: d for d in Department.objects.filter(is_company_wide=False)}
    if not {"customer-service", "product", "sales", "marketing"} <= departments.keys():
        return
    for asking, asked, title, body, confidential, days, outcome in QUESTIONS:
        targets = [departments[slug] for slug in asked if slug in departments]
        askers, _ = _people(departments[asking])
        if not askers or not targets:
            continue
        question = services.question_ask(
            acting_user=rng.choice(askers[:5]), asking_department=departments[asking], departments=targets,
            title=title, body=body, is_confidential=confidential, confirm=True,
        )  # fmt: skip
        _move_back(question, days)
        question = Question.objects.select_related("asker", "asking_department").get(pk=question.pk)
        members, managers = _people(targets[0])
        if not members:
            continue
        answerer = members[0]
        if outcome == "assigned" and managers:
            services.question_assign(acting_user=managers[0], question=question, department=targets[0].pk,
                                     assignee_id=answerer.pk)  # fmt: skip
            services.comment_create(acting_user=answerer, question=question, body="Checking with the team today.")
            _responded_after(question, first_hours=3, answer_hours=None)
        if outcome in ("answered", "reopened"):
            answer = services.answer_create(acting_user=answerer, question=question, body=ANSWERS[title], confirm=True)
            answer = access.access_answer(question.asker, answer.pk)
            services.answer_accept(acting_user=question.asker, answer=answer)
            _responded_after(
                question, first_hours=2 if outcome == "answered" else 5, answer_hours=6 if outcome == "answered" else 30
            )
            if outcome == "reopened":
                question.refresh_from_db()
                services.comment_create(acting_user=question.asker, question=question,
                                        body="Thanks! Could we also have the *wording* customers use?")  # fmt: skip
                services.question_reopen(acting_user=question.asker, question=question)
