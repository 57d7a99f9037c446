"""Ideas and polls in search, for the readers of their board's department."""

from apps.search.registry import IDEAS, DocumentData, SearchKind, register

from .models import Idea, Poll


def _idea_document(idea: Idea) -> DocumentData | None:
    if idea.merged_into_id is not None:  # a merged duplicate lives on only as a pointer
        return None
    return DocumentData(
        object_id=idea.pk,
        title=idea.title,
        body=idea.description,
        url=idea.get_absolute_url(),
        created_at=idea.created_at,
        department_id=idea.department_id,
        author_id=idea.author_id,
    )


def _poll_document(poll: Poll) -> DocumentData:
    options = " ".join(poll.options.values_list("label", flat=True)) if poll.pk else ""
    return DocumentData(
        object_id=poll.pk,
        title=poll.question,
        body=f"{poll.description}\n{options}",
        url=poll.get_absolute_url(),
        created_at=poll.created_at,
        department_id=poll.department_id,
        author_id=poll.author_id,
    )


register(
    SearchKind(
        name="idea",
        label="Idea",
        group=IDEAS,
        model=Idea,
        queryset=lambda: Idea.objects.select_related("department"),
        document=_idea_document,
        fields=frozenset({"title", "description", "merged_into", "status"}),
    )
)
register(
    SearchKind(
        name="poll",
        label="Poll",
        group=IDEAS,
        model=Poll,
        queryset=lambda: Poll.objects.select_related("department"),
        document=_poll_document,
        fields=frozenset({"question", "description"}),
    )
)
