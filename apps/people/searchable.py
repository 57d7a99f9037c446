"""People in search: the directory's profiles, found by name with typos and prefixes ("jon smi")."""

from django.urls import reverse

from apps.search.registry import PEOPLE, DocumentData, SearchKind, register

from .models import Profile


def _document(profile: Profile) -> DocumentData:
    user = profile.user
    return DocumentData(
        object_id=profile.pk,
        title=profile.display_name or user.email.split("@")[0],
        body=" ".join(filter(None, [profile.job_title, profile.location, profile.skills, profile.bio])),
        url=reverse("people:detail", args=[profile.user_id]),
        created_at=user.date_joined,
        author_id=profile.user_id,
    )


register(
    SearchKind(
        name="person",
        label="Person",
        group=PEOPLE,
        model=Profile,
        queryset=lambda: Profile.objects.select_related("user"),
        document=_document,
        audience="everyone",  # every colleague; a deactivated person is found by no one
        fuzzy_title=True,
        fields=frozenset({"display_name", "job_title", "bio", "skills", "location"}),
    )
)
