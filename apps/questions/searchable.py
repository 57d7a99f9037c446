"""Questions to other departments in search, found by whoever may read them (`Question.objects.visible_to`)."""

from django.db.models import Q

from apps.search.registry import QUESTIONS, DocumentData, SearchKind, register

from .models import Question


def _document(question: Question) -> DocumentData:
    return DocumentData(
        object_id=question.pk,
        title=question.title,
        body=question.body,
        url=question.get_absolute_url(),
        created_at=question.created_at,
        department_id=question.asking_department_id,
        author_id=question.asker_id,
    )


register(
    SearchKind(
        name="question",
        label="Question",
        group=QUESTIONS,
        model=Question,
        queryset=lambda: Question.objects.all(),
        document=_document,
        # Questions have their own audience (asking and answering departments, All staff
        # for open ones): the rule of `visible_to`, as a subquery inside the search query.
        visible=lambda user: Q(object_id__in=Question.objects.visible_to(user).values("pk")),
        fields=frozenset({"title", "body", "is_confidential"}),
    )
)
