"""Questions to other departments, their answers and comments in search: found by whoever may read the question.

Questions have their own audience (asking and answering departments, All staff for open
ones): `Question.objects.visible_to`, asked once per search for the ids it admits; a
question's answers and comments share its audience.
"""

from apps.search.registry import QUESTIONS, Audience, DocumentData, SearchKind, register, register_audience

from .models import Answer, Question, QuestionComment

register_audience(Audience("question", 20, lambda user: Question.objects.visible_to(user).values("pk")))


def _document(question: Question) -> DocumentData:
    return DocumentData(
        object_id=question.pk,
        title=question.title,
        body=question.body,
        url=question.get_absolute_url(),
        created_at=question.created_at,
        department_id=question.asking_department_id,
        author_id=question.asker_id,
        audience_id=question.pk,
    )


def _reply_document(reply: Answer | QuestionComment, anchor: str) -> DocumentData:
    question = reply.question
    return DocumentData(
        object_id=reply.pk,
        title="",
        body=reply.body,
        url=f"{question.get_absolute_url()}#{anchor}-{reply.pk}",
        created_at=reply.created_at,
        department_id=question.asking_department_id,
        author_id=reply.author_id,
        audience_id=question.pk,
    )


register(
    SearchKind(
        name="question",
        label="Question",
        group=QUESTIONS,
        model=Question,
        queryset=lambda: Question.objects.all(),
        document=_document,
        audience="question",
        fields=frozenset({"title", "body", "is_confidential"}),
    )
)
register(
    SearchKind(
        name="answer",
        label="Answer",
        group=QUESTIONS,
        model=Answer,
        queryset=lambda: Answer.objects.select_related("question"),
        document=lambda answer: _reply_document(answer, "answer"),
        audience="question",
        fields=frozenset({"body", "edited_at"}),
    )
)
register(
    SearchKind(
        name="question_comment",
        label="Comment on a question",
        group=QUESTIONS,
        model=QuestionComment,
        queryset=lambda: QuestionComment.objects.select_related("question"),
        document=lambda comment: _reply_document(comment, "comment"),
        audience="question",
        fields=frozenset({"body"}),
    )
)
