"""What goes into a person's export: only what they wrote, chose or uploaded themselves.

Others' words never appear: a comment, answer or ballot names what it is on by id. Uploaded files
(feed attachments and images, chat files, question and answer files) go in as bytes, oldest
first, up to DATA_EXPORT_FILE_BYTES in all; past that they are listed in files.json by name and
size only, so that one person's export cannot grow without bound.
"""

import json
import zipfile
from typing import IO, Any

from django.conf import settings
from django.db.models import Q

from apps.accounts.models import User

FILES_NOTE = (
    "Your data from the intranet: what you wrote, chose and uploaded yourself, as JSON; files/ holds your uploads.\n"
)


def collect(user: User) -> dict[str, Any]:
    """The JSON files of the export, by name."""
    from apps.chat.models import Message
    from apps.feed.models import Comment, Post, Reaction
    from apps.questions.models import Answer, AnswerReaction, Question, QuestionComment
    from apps.videos.models import Video
    from apps.voting.models import (
        Idea,
        IdeaComment,
        IdeaVote,
        Poll,
        PollBallot,
        PollChoice,
        PollOption,
        PollParticipation,
    )

    profile = user.profile
    ballots = list(PollBallot.objects.filter(voter=user).order_by("poll_id").values_list("pk", "poll_id"))
    choices: dict[Any, list[dict[str, Any]]] = {}
    for ballot_id, option_id, position, rank in PollChoice.objects.filter(
        ballot_id__in=[b for b, _ in ballots]
    ).values_list("ballot_id", "option_id", "option__position", "rank"):
        choices.setdefault(ballot_id, []).append({"option_id": option_id, "option_position": position, "rank": rank})
    options: dict[Any, list[str]] = {}
    for poll_id, label in (
        PollOption.objects.filter(poll__author=user).order_by("poll_id", "position").values_list("poll_id", "label")
    ):
        options.setdefault(poll_id, []).append(label)
    return {
        "profile.json": {
            "email": user.email,
            "date_joined": user.date_joined.isoformat(),
            **{
                field: getattr(profile, field)
                for field in ("display_name", "job_title", "bio", "skills", "location", "phone", "status", "time_zone")
            },
        },
        "posts.json": list(
            Post.objects.filter(author=user, deleted_at__isnull=True)
            .order_by("pk")
            .values("id", "department_id", "kind", "body", "created_at", "edited_at")
        ),
        "comments.json": list(
            Comment.objects.filter(author=user, deleted_at__isnull=True)
            .order_by("pk")
            .values("id", "post_id", "body", "created_at", "edited_at")
        ),
        "messages.json": list(
            Message.objects.filter(author=user, deleted_at__isnull=True)
            .order_by("pk")
            .values("id", "room_id", "body", "created_at", "edited_at")
        ),
        "ideas.json": list(
            Idea.objects.filter(author=user).order_by("pk").values("id", "department_id", "title", "description")
        ),
        "idea_comments.json": list(
            IdeaComment.objects.filter(author=user).order_by("pk").values("id", "idea_id", "body", "created_at")
        ),
        "votes.json": list(IdeaVote.objects.filter(user=user).order_by("pk").values("idea_id", "created_at")),
        # Polls they asked, with their options (their words); how colleagues voted is theirs, not in here.
        "polls.json": [
            {**poll, "options": options.get(poll["id"], [])}
            for poll in Poll.objects.filter(author=user)
            .order_by("pk")
            .values("id", "department_id", "question", "description", "kind", "is_anonymous", "created_at")
        ],
        "videos.json": list(
            Video.objects.filter(uploader=user, deleted_at__isnull=True)
            .order_by("pk")
            .values("id", "department_id", "title", "description", "duration", "created_at")
        ),
        "poll_ballots.json": [
            {"poll_id": poll_id, "choices": choices.get(ballot_id, [])} for ballot_id, poll_id in ballots
        ],
        # Anonymous polls keep only that one voted, never how: that is all there is to give.
        "anonymous_polls_voted_in.json": list(
            PollParticipation.objects.filter(user=user, poll__is_anonymous=True)
            .order_by("poll_id")
            .values_list("poll_id", flat=True)
        ),
        "questions.json": list(
            Question.objects.filter(asker=user)
            .order_by("pk")
            .values("id", "asking_department_id", "title", "body", "is_confidential", "created_at")
        ),
        "answers.json": list(
            Answer.objects.filter(author=user)
            .order_by("pk")
            .values("id", "question_id", "body", "created_at", "edited_at")
        ),
        "question_comments.json": list(
            QuestionComment.objects.filter(author=user).order_by("pk").values("id", "question_id", "body", "created_at")
        ),
        "reactions.json": list(
            Reaction.objects.filter(user=user).order_by("pk").values("post_id", "emoji", "created_at")
        ),
        "answer_reactions.json": list(
            AnswerReaction.objects.filter(user=user).order_by("pk").values("answer_id", "emoji", "created_at")
        ),
    }


def uploads(user: User) -> list[tuple[str, int, str, int, Any]]:
    """(kind, id, original name, size, FieldFile) of every file the person uploaded and still has."""
    from apps.chat.models import MessageFile
    from apps.feed.models import Attachment, PostImage
    from apps.questions.models import QuestionAttachment

    found: list[tuple[str, int, str, int, Any]] = []
    for item in Attachment.objects.filter(post__author=user, post__deleted_at__isnull=True).order_by("pk"):
        found.append(("feed", item.pk, item.original_name, item.size, item.file))
    for image in PostImage.objects.filter(post__author=user, post__deleted_at__isnull=True).order_by("pk"):
        found.append(("feed-images", image.pk, image.image.name.rsplit("/", 1)[-1], _size(image.image), image.image))
    for item in MessageFile.objects.filter(message__author=user, message__deleted_at__isnull=True).order_by("pk"):
        found.append(("chat", item.pk, item.original_name, item.size, item.file))
    own = Q(answer__isnull=True, question__asker=user) | Q(answer__author=user)
    for item in QuestionAttachment.objects.filter(own).order_by("pk"):
        found.append(("questions", item.pk, item.original_name, item.size, item.file))
    return found


def _size(field: Any) -> int:
    try:
        return field.size
    except OSError:
        return 0


def write_zip(target: IO[bytes], files: dict[str, Any], user: User) -> None:
    """Write the export into `target`: the JSON files, then the uploads within the byte budget."""
    budget = settings.DATA_EXPORT_FILE_BYTES
    listed = []
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, json.dumps(data, indent=2, default=str, ensure_ascii=False))
        for kind, pk, original, size, field in uploads(user):
            path = f"files/{kind}/{pk}-{_safe(original)}"
            included = size <= budget
            if included:
                try:
                    with field.open("rb") as source, archive.open(path, "w") as sink:
                        for chunk in iter(lambda: source.read(1 << 20), b""):
                            sink.write(chunk)
                    budget -= size
                except OSError:  # the stored file is missing: list it, do not fail the export
                    included = False
            listed.append(
                {"kind": kind, "id": pk, "name": original, "size": size, "in_zip": path if included else None}
            )
        archive.writestr("files.json", json.dumps(listed, indent=2, ensure_ascii=False))
        archive.writestr("README.txt", FILES_NOTE)


def _safe(name: str) -> str:
    cleaned = "".join(c if c.isalnum() or c in "._- " else "_" for c in name).strip(" .")
    return cleaned[:100] or "file"
