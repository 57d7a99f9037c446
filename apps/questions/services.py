"""Writes on questions: ask, answer, comment, react, accept, reopen, assign, escalate, and
turn a question into a post or an idea. Each takes the `acting_user`, authorises through
`access` itself, validates, writes in a transaction, and sends its live frames and
notifications after commit. `acting_user=None` is the system (the worker, demo data).

Clocks: each target department's due dates are set in its own working calendar when the
question is asked (and again when its calendar changes or the question is reopened);
the business time a response or an answer took is stored when it happens.
"""

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation

import pytz
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from apps.accounts.models import User
from apps.audit.services import record_content_deletion
from apps.core.errors import Conflict, Invalid, require, validating
from apps.core.mentions import render_with_mentions
from apps.departments.access import (
    can_moderate,
    departments_to_ask,
    readers_among,
    readers_of,
    require_contribute,
    require_may_be_confidential,
)
from apps.departments.models import Department, Membership
from apps.feed.files import check_attachment
from apps.feed.models import REACTION_EMOJI
from apps.notifications.emails import queue_notification_emails
from apps.notifications.services import notify
from apps.policies.screening import screen as screen_never_share
from apps.realtime.topics import publish

from . import access
from .business_time import available_countries
from .events import AnswerReactionsEvent, InboxEvent, QuestionUpdatedEvent
from .models import (
    MAX_BODY_LENGTH,
    MAX_TARGETS,
    MAX_TITLE_LENGTH,
    Answer,
    AnswerReaction,
    Question,
    QuestionAttachment,
    QuestionComment,
    QuestionTarget,
    ResponseTargets,
)

QUESTION_TOPIC = "question"
INBOX_TOPIC = "questions"
MAX_COMMENT_LENGTH = 5_000
FIRST_RESPONSE, ANSWER = "first_response", "answer"


# ---------------------------------------------------------------- targets and calendars


def response_targets(department: Department) -> ResponseTargets:
    """The department's targets and calendar; the defaults (1 and 3 business days, Mon-Fri 9-17) if it set none."""
    return ResponseTargets.objects.filter(department=department).first() or response_targets_default(department)


def _targets_by_department(departments: Iterable[Department]) -> dict[int, ResponseTargets]:
    departments = list(departments)
    found = {t.department_id: t for t in ResponseTargets.objects.filter(department__in=departments)}
    return {d.pk: found.get(d.pk) or response_targets_default(d) for d in departments}


def response_targets_default(department: Department) -> ResponseTargets:
    return ResponseTargets(department=department, working_days=[0, 1, 2, 3, 4], time_zone=settings.TIME_ZONE)


@transaction.atomic
def response_targets_update(
    *,
    acting_user: User | None,
    department: Department,
    first_response_days: object,
    answer_days: object,
    time_zone: object,
    working_days: object,
    day_starts: object,
    day_ends: object,
    holiday_country: object = "",
    closed_days: object = (),
) -> ResponseTargets:
    """Set the department's targets and working calendar; open questions get their due dates again."""
    if acting_user is not None:
        require(can_moderate(acting_user, department), "Only the department's managers set its response targets.")
    errors: dict[str, str] = {}
    targets = ResponseTargets.objects.select_for_update().filter(department=department).first()
    targets = targets or response_targets_default(department)
    for name, value in (("first_response_days", first_response_days), ("answer_days", answer_days)):
        try:
            setattr(targets, name, Decimal(str(value)).quantize(Decimal("0.1")))
        except (InvalidOperation, ValueError):
            errors[name] = "Give a number of business days, e.g. 1 or 2.5."
    if not errors and targets.answer_days < targets.first_response_days:
        errors["answer_days"] = "The answer cannot be due before the first response."
    if not isinstance(time_zone, str) or time_zone not in pytz.all_timezones_set:
        errors["time_zone"] = "Choose a time zone such as Europe/Paris."
    else:
        targets.time_zone = time_zone
    days = (
        sorted({d for d in working_days if isinstance(d, int) and 0 <= d <= 6})
        if isinstance(working_days, list | tuple)
        else []
    )
    if not days or len(days) != len(working_days):
        errors["working_days"] = "Choose at least one working day (0 = Monday … 6 = Sunday)."
    targets.working_days = days
    if not isinstance(day_starts, dt.time) or not isinstance(day_ends, dt.time) or day_ends <= day_starts:
        errors["day_ends"] = "The working day must end after it starts (and on the same day)."
    else:
        targets.day_starts, targets.day_ends = day_starts, day_ends
    country = (holiday_country or "").strip().upper() if isinstance(holiday_country, str) else None
    if country is None or (country and country not in {code for code, _ in available_countries()}):
        errors["holiday_country"] = "Choose a country from the list, or none."
    else:
        targets.holiday_country = country
    targets.closed_days = _clean_dates(closed_days, errors)
    if errors:
        raise Invalid.fields(errors)
    with validating():
        targets.full_clean(exclude=["department"])
    targets.save()
    _reschedule_open_targets(department, targets)
    return targets


def _clean_dates(value: object, errors: dict[str, str]) -> list[str]:
    items = value.split() if isinstance(value, str) else list(value) if isinstance(value, list | tuple) else None
    if items is None:
        errors["closed_days"] = "Give dates as YYYY-MM-DD."
        return []
    days = set()
    for item in items:
        try:
            days.add(item if isinstance(item, dt.date) else dt.date.fromisoformat(str(item).strip().rstrip(",")))
        except ValueError:
            errors["closed_days"] = f"“{str(item)[:20]}” is not a date: use YYYY-MM-DD."
    return [d.isoformat() for d in sorted(days)]


def _reschedule_open_targets(department: Department, targets: ResponseTargets) -> None:
    calendar = targets.calendar
    for target in QuestionTarget.objects.filter(department=department, answered_at__isnull=True):
        if target.first_response_at is None:
            target.first_response_due_at = calendar.add_business_days(
                target.asked_at, float(targets.first_response_days)
            )
        target.answer_due_at = calendar.add_business_days(target.answer_clock_at, float(targets.answer_days))
        target.save(update_fields=["first_response_due_at", "answer_due_at"])
        _schedule_escalations(target)


# ---------------------------------------------------------------- helpers


def _clean_text(value: object, *, field: str, limit: int, what: str) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        raise Invalid.field(field, f"Write {what}: it cannot be empty.", code="empty")
    if len(text) > limit:
        raise Invalid.field(
            field, f"{what.capitalize()} is too long ({len(text):,} characters); the limit is {limit:,}."
        )
    return text


def _store_attachments(question: Question, answer: Answer | None, files: Sequence[UploadedFile]) -> None:
    if len(files) > settings.POST_MAX_ATTACHMENTS:
        raise Invalid.field("attachments", f"At most {settings.POST_MAX_ATTACHMENTS} files.")
    checked = []
    for upload in files:
        try:
            checked.append(check_attachment(upload))
        except Invalid as error:
            raise Invalid.fields({"attachments": error.detail}, code=error.code) from None
    for item in checked:
        row = QuestionAttachment(
            question=question, answer=answer, original_name=item.name, content_type=item.content_type, size=item.size
        )
        row.file.save(item.name, item.upload, save=False)
        row.save()


def _readers_of_audience(asking: Department, targets: Sequence[Department], confidential: bool):
    if not confidential:
        return readers_of(access.writing_space())
    condition = Q(pk__in=[])
    for department in [asking, *targets]:
        condition |= Q(pk__in=readers_of(department).values("pk"))
    return User.objects.filter(condition, is_active=True)


def _screen(question_confidential: bool, text: str, confirm: bool) -> None:
    """Open questions are read by all staff: the company policy's never-share rules apply."""
    if not question_confidential:
        screen_never_share(text, department=access.writing_space(), confirm=confirm)


def _about(question: Question) -> str:
    """How a notification names the question: never the words of a confidential one."""
    if question.is_confidential:
        return f"a confidential question from {question.asking_department.name}"
    text = " ".join(question.title.split())
    return f"“{text[:80]}{'…' if len(text) > 80 else ''}”"


def _publish(question: Question, change: str) -> None:
    question.refresh_from_db(fields=["status", "answer_count", "comment_count"])
    event: QuestionUpdatedEvent = {
        "type": "question.updated", "question": question.pk, "change": change, "status": question.status,
        "answer_count": question.answer_count, "comment_count": question.comment_count,
    }  # fmt: skip
    publish(QUESTION_TOPIC, question.pk, event)


def _publish_inbox(question: Question, change: str, departments: Iterable[int] | None = None) -> None:
    if departments is None:
        departments = [question.asking_department_id, *(t.department_id for t in access.targets_of(question))]
    for department_id in sorted(set(departments)):
        event: InboxEvent = {"type": "questions.inbox", "department": department_id, "question": question.pk,
                             "change": change}  # fmt: skip
        publish(INBOX_TOPIC, department_id, event)


def _notify_mentions(question: Question, users: Sequence[User], actor: User, url: str) -> None:
    if users:
        notify(recipients=users, kind="mention", actor=actor, url=url,
               title=f"{actor.display_name} mentioned you in {_about(question)}")  # fmt: skip


def _require_open(question: Question, what: str) -> None:
    if not question.is_open:
        raise Conflict("question_answered", f"This question is answered: reopen it to {what}.")


# ---------------------------------------------------------------- asking


@transaction.atomic
def question_ask(
    *,
    acting_user: User,
    asking_department: Department,
    departments: Sequence[Department],
    title: object,
    body: object,
    is_confidential: bool = False,
    attachments: Sequence[UploadedFile] = (),
    confirm: bool = False,
) -> Question:
    """Ask one or several other departments; their members are told, their clocks start."""
    require_contribute(acting_user, asking_department)
    title = " ".join(_clean_text(title, field="title", limit=MAX_TITLE_LENGTH, what="a title").split())
    body = _clean_text(body, field="body", limit=MAX_BODY_LENGTH, what="the question")
    targets = list({d.pk: d for d in departments}.values())
    if not targets:
        raise Invalid.field("departments", "Choose the department (or departments) you are asking.")
    if len(targets) > MAX_TARGETS:
        raise Invalid.field("departments", f"Ask at most {MAX_TARGETS} departments at once.")
    askable = set(departments_to_ask(acting_user).filter(pk__in=[d.pk for d in targets]).values_list("pk", flat=True))
    if any(d.pk not in askable for d in targets):
        raise Invalid.field("departments", "All staff cannot be asked: choose departments.")
    if asking_department.pk in askable and any(d.pk == asking_department.pk for d in targets):
        raise Invalid.field("departments", f"You are asking from {asking_department.name}: ask another department.")
    require_may_be_confidential(
        asking_department, is_confidential, "A confidential question is asked from your department, not All staff."
    )
    _screen(is_confidential, f"{title}\n{body}", confirm)
    readers = _readers_of_audience(asking_department, targets, is_confidential)
    rendered = render_with_mentions(body, readers)
    now = timezone.now()
    question = Question.objects.create(
        asker=acting_user, asking_department=asking_department, title=title, body=body,
        body_html=rendered.html, is_confidential=bool(is_confidential), created_at=now,
    )  # fmt: skip
    _store_attachments(question, None, attachments)
    calendars = _targets_by_department(targets)
    rows = []
    for department in targets:
        promise = calendars[department.pk]
        rows.append(QuestionTarget(
            question=question, department=department, asked_at=now, answer_clock_at=now,
            first_response_due_at=promise.calendar.add_business_days(now, float(promise.first_response_days)),
            answer_due_at=promise.calendar.add_business_days(now, float(promise.answer_days)),
        ))  # fmt: skip
    QuestionTarget.objects.bulk_create(rows)
    question._targets = list(question.targets.select_related("department"))
    for target in question._targets:
        _schedule_escalations(target)
        notify(
            recipients=readers_of(target.department), kind="question", actor=acting_user,
            department=target.department, url=question.get_absolute_url(),
            title=f"{asking_department.name} asked {target.department.name} {_about(question)}",
        )  # fmt: skip
    _notify_mentions(question, rendered.users, acting_user, question.get_absolute_url())
    _publish_inbox(question, "asked")
    return question


# ---------------------------------------------------------------- answers and comments


def _record_response(question: Question, author: User, now: dt.datetime) -> list[int]:
    """The first answer or comment by a member of a target department is its first response."""
    waiting = [t for t in access.targets_of(question) if t.first_response_at is None]
    responded = []
    for target in waiting:
        if author.pk in readers_among(target.department, [author.pk]):
            calendar = response_targets(target.department).calendar
            target.first_response_at = now
            target.first_response_seconds = calendar.business_seconds_between(target.asked_at, now)
            target.save(update_fields=["first_response_at", "first_response_seconds"])
            responded.append(target.department_id)
    return responded


@transaction.atomic
def answer_create(
    *,
    acting_user: User,
    question: Question,
    body: object,
    attachments: Sequence[UploadedFile] = (),
    confirm: bool = False,
) -> Answer:
    question = access.access_question(acting_user, question.pk)
    require_contribute(acting_user, access.writing_space())
    _require_open(question, "answer it")
    body = _clean_text(body, field="body", limit=MAX_BODY_LENGTH, what="an answer")
    _screen(question.is_confidential, body, confirm)
    rendered = render_with_mentions(body, access.question_readers(question))
    answer = Answer.objects.create(question=question, author=acting_user, body=body, body_html=rendered.html)
    _store_attachments(question, answer, attachments)
    Question.objects.filter(pk=question.pk).update(answer_count=F("answer_count") + 1)
    responded = _record_response(question, acting_user, timezone.now())
    url = f"{question.get_absolute_url()}#answer-{answer.pk}"
    if question.asker_id != acting_user.pk:
        notify(recipients=[question.asker], kind="question_answer", actor=acting_user, url=url,
               title=f"{acting_user.display_name} answered your question {_about(question)}")  # fmt: skip
    assignees = [t.assignee for t in access.targets_of(question) if t.assignee_id not in (None, acting_user.pk)]
    if assignees:
        notify(recipients=assignees, kind="question_answer", actor=acting_user, url=url,
               title=f"{acting_user.display_name} answered {_about(question)}, assigned to you")  # fmt: skip
    _notify_mentions(question, rendered.users, acting_user, url)
    _publish(question, "answer")
    if responded:
        _publish_inbox(question, "responded", responded)
    return answer


@transaction.atomic
def answer_edit(*, acting_user: User, answer: Answer, body: object, confirm: bool = False) -> Answer:
    require(access.can_edit_answer(acting_user, answer), "Only the author can edit an answer.")
    require_contribute(acting_user, access.writing_space())
    question = answer.question
    body = _clean_text(body, field="body", limit=MAX_BODY_LENGTH, what="an answer")
    _screen(question.is_confidential, body, confirm)
    answer.body = body
    answer.body_html = render_with_mentions(body, access.question_readers(question)).html
    answer.edited_at = timezone.now()
    answer.save(update_fields=["body", "body_html", "edited_at"])
    _publish(question, "answer_edited")
    return answer


@transaction.atomic
def answer_delete(*, acting_user: User, answer: Answer) -> None:
    question = answer.question
    require(
        access.can_delete_answer(acting_user, answer),
        "Only the author or a manager of a department asked can delete an answer.",
    )
    if question.accepted_answer_id == answer.pk:
        raise Conflict("accepted_answer", "This is the accepted answer: reopen the question before deleting it.")
    record_content_deletion(
        actor=acting_user, kind="answer", object_id=answer.pk, author_id=answer.author_id, question_id=question.pk
    )
    answer.delete()
    Question.objects.filter(pk=question.pk).update(answer_count=F("answer_count") - 1)
    _publish(question, "answer_deleted")


@transaction.atomic
def comment_create(*, acting_user: User, question: Question, body: object, confirm: bool = False) -> QuestionComment:
    """A follow-up: a detail asked or given. From a target department's member, it is a first response."""
    question = access.access_question(acting_user, question.pk)
    require_contribute(acting_user, access.writing_space())
    body = _clean_text(body, field="body", limit=MAX_COMMENT_LENGTH, what="a comment")
    _screen(question.is_confidential, body, confirm)
    rendered = render_with_mentions(body, access.question_readers(question))
    comment = QuestionComment.objects.create(question=question, author=acting_user, body=body, body_html=rendered.html)
    Question.objects.filter(pk=question.pk).update(comment_count=F("comment_count") + 1)
    responded = _record_response(question, acting_user, timezone.now()) if question.is_open else []
    url = f"{question.get_absolute_url()}#comment-{comment.pk}"
    if question.asker_id != acting_user.pk:
        notify(recipients=[question.asker], kind="reply", actor=acting_user, url=url,
               title=f"{acting_user.display_name} commented on your question {_about(question)}")  # fmt: skip
    _notify_mentions(question, rendered.users, acting_user, url)
    _publish(question, "comment")
    if responded:
        _publish_inbox(question, "responded", responded)
    return comment


@transaction.atomic
def reaction_toggle(*, acting_user: User, answer: Answer, emoji: object) -> bool:
    """Add the reaction to the answer, or take it back. Returns whether it is now on."""
    if not isinstance(emoji, str) or emoji not in REACTION_EMOJI:
        raise Invalid.field(
            "emoji", f"Unknown reaction; use one of: {', '.join(REACTION_EMOJI)}.", code="unknown_emoji"
        )
    require_contribute(acting_user, access.writing_space())
    locked = Answer.objects.select_for_update().get(pk=answer.pk)
    deleted, _ = AnswerReaction.objects.filter(answer=locked, user=acting_user, emoji=emoji).delete()
    if not deleted:
        AnswerReaction.objects.create(answer=locked, user=acting_user, emoji=emoji)
    counts = dict(locked.reaction_counts)
    counts[emoji] = max(0, counts.get(emoji, 0) + (-1 if deleted else 1))
    locked.reaction_counts = {k: v for k, v in counts.items() if v}
    locked.save(update_fields=["reaction_counts"])
    answer.reaction_counts = locked.reaction_counts
    event: AnswerReactionsEvent = {"type": "question.reactions", "question": answer.question_id, "answer": answer.pk,
                                   "counts": answer.reaction_counts}  # fmt: skip
    publish(QUESTION_TOPIC, answer.question_id, event)
    return not deleted


# ---------------------------------------------------------------- accept, reopen, assign


@transaction.atomic
def answer_accept(*, acting_user: User, answer: Answer) -> Question:
    """The asker (or a manager of a department asked) accepts an answer: the question is answered and closed."""
    question = answer.question
    require(access.can_accept(acting_user, question), "Only the asker or a manager of a department asked can accept.")
    question = Question.objects.select_for_update().select_related("asking_department").get(pk=question.pk)
    if not question.is_open:
        raise Conflict("question_answered", "This question already has an accepted answer: reopen it first.")
    now = timezone.now()
    question.status, question.accepted_answer, question.answered_at = Question.Status.ANSWERED, answer, now
    question.save(update_fields=["status", "accepted_answer", "answered_at", "updated_at"])
    for target in access.targets_of(question):
        if target.answered_at is not None:
            continue
        calendar = response_targets(target.department).calendar
        if target.first_response_at is None:
            target.first_response_at = now
            target.first_response_seconds = calendar.business_seconds_between(target.asked_at, now)
        target.answered_at = now
        target.answer_seconds = calendar.business_seconds_between(target.answer_clock_at, now)
        target.save(update_fields=["first_response_at", "first_response_seconds", "answered_at", "answer_seconds"])
    if answer.author_id != acting_user.pk:
        notify(recipients=[answer.author], kind="question_accepted", actor=acting_user,
               url=f"{question.get_absolute_url()}#answer-{answer.pk}",
               title=f"Your answer to {_about(question)} was accepted")  # fmt: skip
    _publish(question, "accepted")
    _publish_inbox(question, "answered")
    return question


@transaction.atomic
def question_reopen(*, acting_user: User, question: Question) -> Question:
    """Not answered after all: open again, with a fresh answer clock for every department asked."""
    require(access.can_accept(acting_user, question), "Only the asker or a manager of a department asked can reopen.")
    question = Question.objects.select_for_update().select_related("asking_department").get(pk=question.pk)
    if question.is_open:
        raise Conflict("question_open", "This question is already open.")
    now = timezone.now()
    question.status, question.accepted_answer, question.answered_at = Question.Status.OPEN, None, None
    question.save(update_fields=["status", "accepted_answer", "answered_at", "updated_at"])
    for target in access.targets_of(question):
        promise = response_targets(target.department)
        target.answered_at, target.answer_seconds, target.answer_escalation = None, None, 0
        target.answer_clock_at = now
        target.answer_due_at = promise.calendar.add_business_days(now, float(promise.answer_days))
        target.save(update_fields=["answered_at", "answer_seconds", "answer_escalation", "answer_clock_at",
                                   "answer_due_at"])  # fmt: skip
        _schedule_escalations(target)
    recipients = [t.assignee for t in access.targets_of(question) if t.assignee] + [question.asker]
    notify(recipients=recipients, kind="question", actor=acting_user, url=question.get_absolute_url(),
           title=f"{acting_user.display_name} reopened {_about(question)}")  # fmt: skip
    _publish(question, "reopened")
    _publish_inbox(question, "reopened")
    return question


def _target(question: Question, department_ref: object) -> QuestionTarget:
    for target in access.targets_of(question):
        if department_ref in (target.department_id, target.department.slug):
            return target
    raise Invalid.field("department", "This question was not asked of that department.")


@transaction.atomic
def question_assign(
    *, acting_user: User | None, question: Question, department: object, assignee_id: object
) -> QuestionTarget:
    """A manager of a department asked gives the question to one of its members (or to nobody: None)."""
    target = _target(question, department)
    if acting_user is not None:
        access.require_target_manager(acting_user, target, "assign its questions")
    assignee = None
    if assignee_id not in (None, ""):
        pk = assignee_id if isinstance(assignee_id, int) else None
        assignee = readers_of(target.department).filter(pk=pk).select_related("profile").first() if pk else None
        if assignee is None:
            raise Invalid.field("assignee", f"Assign the question to a member of {target.department.name}.")
    target.assignee = assignee
    target.save(update_fields=["assignee"])
    if assignee is not None:
        notify(recipients=[assignee], kind="question_assigned", actor=acting_user, department=target.department,
               url=question.get_absolute_url(), title=f"You were asked to answer {_about(question)}")  # fmt: skip
    _publish(question, "assigned")
    _publish_inbox(question, "assigned", [target.department_id])
    return target


# ---------------------------------------------------------------- into the feed or onto the board


def _link_back(question: Question) -> str:
    return f"Asked in {question.asking_department.name}: [{question.title}]({question.get_absolute_url()})"


@transaction.atomic
def question_to_post(*, acting_user: User, question: Question, department: object):
    """The question and its accepted answer as a post in a department asked, linking back."""
    from apps.feed.services import post_create

    target = _target(question, department)
    require(access.can_share_to(acting_user, target), f"Only members of {target.department.name} post in its feed.")
    if target.shared_post_id and target.shared_post and target.shared_post.deleted_at is None:
        raise Conflict("already_shared", f"This question is already a post in {target.department.name}.")
    parts = [f"**{question.title}**", question.body]
    if question.accepted_answer_id:
        answer = question.accepted_answer
        parts.append(f"**Answer** from {answer.author.display_name}:\n\n{answer.body}")
    parts.append(_link_back(question))
    post = post_create(
        acting_user=acting_user, department=target.department, body="\n\n".join(parts)[:10_000],
        is_confidential=True if question.is_confidential else None, confirm=True,
    )  # fmt: skip
    target.shared_post = post
    target.save(update_fields=["shared_post"])
    return post


@transaction.atomic
def question_to_idea(*, acting_user: User, question: Question, department: object):
    """The question as an idea on a department asked's board, linking back."""
    from apps.voting.services import idea_create

    target = _target(question, department)
    require(access.can_share_to(acting_user, target), f"Only members of {target.department.name} propose ideas there.")
    if target.shared_idea_id:
        raise Conflict("already_shared", f"This question is already an idea on the {target.department.name} board.")
    idea = idea_create(
        acting_user=acting_user, department=target.department, title=question.title[:150],
        description=f"{question.body}\n\n{_link_back(question)}"[:10_000],
    )  # fmt: skip
    target.shared_idea = idea
    target.save(update_fields=["shared_idea"])
    return idea


# ---------------------------------------------------------------- escalation (the worker)


def _due(target: QuestionTarget, phase: str, level: int) -> dt.datetime:
    """When level 1 (the assignee, else the managers) and level 2 (the managers) are told."""
    due = target.first_response_due_at if phase == FIRST_RESPONSE else target.answer_due_at
    if level == 1:
        return due
    promise = response_targets(target.department)
    return promise.calendar.add_business_days(due, float(promise.first_response_days))


def _schedule_escalations(target: QuestionTarget) -> None:
    from .tasks import escalate_question

    for phase in (FIRST_RESPONSE, ANSWER):
        escalate_question.using(run_after=_due(target, phase, 1)).enqueue(target.pk, phase)


def _managers(department: Department):
    return User.objects.filter(
        is_active=True, memberships__department=department, memberships__role=Membership.Role.MANAGER
    )


@transaction.atomic
def escalate(*, target_id: int, phase: str) -> int:
    """Tell whoever is next that a target passed: returns how many were told (0 if nothing is late)."""
    target = (
        QuestionTarget.objects.select_for_update(of=("self",))
        .select_related("question__asking_department", "department", "assignee")
        .filter(pk=target_id)
        .first()
    )
    if target is None or phase not in (FIRST_RESPONSE, ANSWER):
        return 0
    done = target.first_response_at if phase == FIRST_RESPONSE else target.answered_at
    level_field = "first_response_escalation" if phase == FIRST_RESPONSE else "answer_escalation"
    level = getattr(target, level_field) + 1
    if done is not None or target.answered_at is not None or level > 2:
        return 0
    now = timezone.now()
    if _due(target, phase, level) > now:
        from .tasks import escalate_question

        escalate_question.using(run_after=_due(target, phase, level)).enqueue(target.pk, phase)
        return 0
    recipients = list(_managers(target.department)) if level == 2 or target.assignee is None else [target.assignee]
    setattr(target, level_field, level if target.assignee is not None else 2)
    target.save(update_fields=[level_field])
    if getattr(target, level_field) < 2:
        from .tasks import escalate_question

        escalate_question.using(run_after=_due(target, phase, 2)).enqueue(target.pk, phase)
    question = target.question
    what = "a first response" if phase == FIRST_RESPONSE else "an answer"
    path = question.get_absolute_url()
    created = notify(
        recipients=recipients, kind="question_overdue", department=target.department, url=path,
        title=f"Overdue: {_about(question)} to {target.department.name} is past its target for {what}",
    )  # fmt: skip
    queue_notification_emails(
        user_ids=[n.recipient_id for n in created], kind="question_overdue", path=path,
        subject=f"A question to {target.department.name} is past its target for {what}",
    )  # fmt: skip
    _publish_inbox(question, "escalated", [target.department_id])
    return len(created)


def escalate_overdue() -> int:
    """Escalate every target past a due date whose task was lost (the worker runs it at start)."""
    now = timezone.now()
    late = QuestionTarget.objects.filter(answered_at__isnull=True).filter(
        Q(first_response_at__isnull=True, first_response_due_at__lt=now, first_response_escalation__lt=2)
        | Q(answer_due_at__lt=now, answer_escalation__lt=2)
    )
    told = 0
    for target_id, first_at, first_level, answer_due, answer_level in late.values_list(
        "pk", "first_response_at", "first_response_escalation", "answer_due_at", "answer_escalation"
    ):
        if first_at is None and first_level < 2:
            told += escalate(target_id=target_id, phase=FIRST_RESPONSE)
        if answer_due < now and answer_level < 2:
            told += escalate(target_id=target_id, phase=ANSWER)
    return told
