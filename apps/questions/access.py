"""Who may do what with questions. Who reads a *department* is decided in `apps.departments.access`;
who reads a question, in `QuestionQuerySet.visible_to` (built on it).

- Anyone who reads a question answers it, comments on it and reacts to its answers;
  writing there needs what writing in All staff needs (the company policy, accepted),
  since a question is asked across departments.
- The asker, or a moderator of a target department, accepts an answer and reopens the
  question; a target department's moderators assign it to one of its members.
- A question the user may not read answers `NotFound`, like one that does not exist; one
  they read but may not change answers `Forbidden`.
"""

from django.db.models import Q, QuerySet

from apps.accounts.models import User
from apps.core.errors import Forbidden, NotFound
from apps.core.ids import parse_id
from apps.departments.access import can_moderate, can_read, readers_of
from apps.departments.models import Department
from apps.departments.services import company_wide_department

from .models import Answer, Question, QuestionTarget

UNKNOWN_QUESTION = "There is no such question, or you do not have access to it."
UNKNOWN_ANSWER = "There is no such answer, or you do not have access to it."


def access_question(user, question_id: object) -> Question:
    """The only way to get a question: one `user` reads, with its departments, or `NotFound`."""
    pk = parse_id(question_id)
    question = (
        Question.objects.visible_to(user)
        .select_related("asker__profile", "asking_department", "accepted_answer")
        .filter(pk=pk)
        .first()
        if pk
        else None
    )
    if question is None:
        raise NotFound("unknown_question", UNKNOWN_QUESTION)
    return question


def access_answer(user, answer_id: object) -> Answer:
    pk = parse_id(answer_id)
    answer = Answer.objects.select_related("author__profile").filter(pk=pk).first() if pk else None
    if answer is None:
        raise NotFound("unknown_answer", UNKNOWN_ANSWER)
    try:
        answer.question = access_question(user, answer.question_id)
    except NotFound:
        raise NotFound("unknown_answer", UNKNOWN_ANSWER) from None
    return answer


def writing_space() -> Department:
    """The space whose conditions govern writing on questions (they are asked across departments)."""
    return company_wide_department()


def targets_of(question: Question) -> list[QuestionTarget]:
    cached = getattr(question, "_targets", None)
    if cached is None:
        cached = question._targets = list(question.targets.select_related("department", "assignee__profile"))
    return cached


def with_roles_of(user, question: Question) -> list[QuestionTarget]:
    """The targets, each department knowing `user`'s role in it (one query), so later checks cost none."""
    targets = targets_of(question)
    ids = [t.department_id for t in targets]
    roles = dict(Department.objects.with_role_of(user).filter(pk__in=ids).values_list("pk", "my_role"))
    for target in targets:
        target.department.my_role = roles.get(target.department_id)
        target.department.my_role_of = user.pk
    return targets


def is_target_moderator(user, question: Question) -> bool:
    return any(can_moderate(user, target.department) for target in targets_of(question))


def can_accept(user, question: Question) -> bool:
    """Accept an answer or reopen: the asker, or a manager of a department it was asked of."""
    return question.asker_id == user.pk or is_target_moderator(user, question)


def can_assign(user, target: QuestionTarget) -> bool:
    return can_moderate(user, target.department)


def can_edit_answer(user, answer: Answer) -> bool:
    return answer.author_id == user.pk


def can_delete_answer(user, answer: Answer) -> bool:
    return answer.author_id == user.pk or is_target_moderator(user, answer.question)


def can_share_to(user, target: QuestionTarget) -> bool:
    """Turn the question into a post or idea of a target department: its members."""
    return can_read(user, target.department)


def require_target_manager(user, target: QuestionTarget, what: str) -> None:
    if not can_assign(user, target):
        raise Forbidden("forbidden", f"Only the managers of {target.department.name} {what}.")


def question_readers(question: Question) -> QuerySet[User]:
    """Everyone who reads the question: for mentions and notifications."""
    if not question.is_confidential:
        return readers_of(writing_space())
    departments = [question.asking_department, *(t.department for t in targets_of(question))]
    condition = Q(pk__in=[])
    for department in departments:
        condition |= Q(pk__in=readers_of(department).values("pk"))
    return User.objects.filter(condition, is_active=True)


def question_topic_checker(user, question_id: int) -> bool:
    """May `user` watch "question:<id>"?"""
    return Question.objects.visible_to(user).filter(pk=question_id).exists()


def inbox_topic_checker(user, department_id: int) -> bool:
    """May `user` watch "questions:<department id>" (its inbox and the questions it asked)?"""
    department = Department.objects.filter(pk=department_id).first()
    return department is not None and can_read(user, department)
