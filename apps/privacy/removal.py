"""ERASURE_CONTENT=remove: what the person wrote or uploaded goes, counters and open pages follow.

In constant queries whatever the person's volume (bulk UPDATE and DELETE, never a loop over their
10,000 messages): posts, comments and chat messages are blanked and marked deleted (rows stay,
so threads keep their shape), their files are deleted (rows, and on disk once the erasure
commits, unless another row still names the same file), and the search index, the cached post
cards and every open feed and chat room are told as the feed's and chat's own deletions tell
them (`feed.post` deleted, `feed.comment` deleted, `feed.reactions`, `chat.message_deleted`).

Ideas, polls and questions: rows are deleted where nobody else's words hang on them (idea comments,
answers, question comments, ideas no colleague commented on, polls they created, ballots, votes,
reactions), and every counter they fed (vote and trending score, comment, answer and ballot
counts, reaction counts) is recounted from the rows that remain. Where deleting would take others'
words with it, the text is blanked instead and the row stays: a question (others answered it, or
it was asked of their department), an accepted answer (the question's outcome), an idea a
colleague commented on or merged into. Videos they uploaded are deleted like `video_delete` does
(gone at once, the worker removes the files).
"""

from collections.abc import Iterable

from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from apps.accounts.models import User

REMOVED_IDEA = "Removed idea"
REMOVED_QUESTION = "Removed question"
REMOVED_TEXT = "(removed)"


def _count_of(queryset, field: str) -> Coalesce:
    """A correlated count for `UPDATE ... SET counter = (SELECT count ...)`: one statement for all rows."""
    counted = queryset.filter(**{field: OuterRef("pk")}).order_by().values(field).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


# --- Files -----------------------------------------------------------------------------------


def _file_fields():
    """Every (model, field) that names a stored upload: a file is deleted only when none still does."""
    from apps.chat.models import MessageFile
    from apps.departments.models import Department
    from apps.feed.models import Attachment, PostImage
    from apps.people.models import Profile
    from apps.questions.models import QuestionAttachment

    return [
        (Attachment, "file"), (PostImage, "image"), (PostImage, "thumbnail"), (MessageFile, "file"),
        (QuestionAttachment, "file"), (Profile, "photo"), (Profile, "photo_thumbnail"), (Department, "image"),
    ]  # fmt: skip


def delete_files_on_commit(names: Iterable[str]) -> int:
    """Delete these stored files once the transaction commits, but only those no remaining row names.

    Call it after deleting the rows that named them. The files go after the commit, never before:
    a rolled-back erasure must find its files. Their extracted text (search) goes with the rows.
    """
    from apps.search.index import forget_file_texts

    wanted = {name for name in names if name}
    if not wanted:
        return 0
    for model, field in _file_fields():
        wanted -= set(model.objects.filter(**{f"{field}__in": wanted}).values_list(field, flat=True))
    forget_file_texts(wanted)

    def delete() -> None:
        for name in sorted(wanted):
            default_storage.delete(name)

    transaction.on_commit(delete)
    return len(wanted)


# --- Feed ------------------------------------------------------------------------------------


def remove_feed(acting_user: User, user: User) -> tuple[dict[str, int], set[str]]:
    """Posts, comments and reactions; returns the counts and the names of the files the rows held."""
    from apps.feed.events import CommentEvent, PostEvent, ReactionEvent
    from apps.feed.models import Attachment, Comment, Post, PostImage, Reaction
    from apps.feed.services import FEED_TOPIC
    from apps.realtime.topics import publish_many
    from apps.search.index import update_index

    now = timezone.now()
    gone = {"deleted_at": now, "deleted_by": acting_user}
    posts = dict(Post.objects.filter(author=user, deleted_at__isnull=True).values_list("pk", "department_id"))
    names: set[str] = set()
    attachments = Attachment.objects.filter(post_id__in=posts)
    attachment_ids = list(attachments.values_list("pk", flat=True))
    names |= set(attachments.values_list("file", flat=True))
    images = PostImage.objects.filter(post_id__in=posts)
    for image, thumbnail in images.values_list("image", "thumbnail"):
        names |= {image, thumbnail}
    attachments.delete()
    images.delete()
    Post.objects.filter(pk__in=posts).update(body="", body_html="", **gone)

    comments = dict(Comment.objects.filter(author=user, deleted_at__isnull=True).values_list("pk", "post_id"))
    Comment.objects.filter(pk__in=comments).update(body="", body_html="", **gone)
    reacted = set(Reaction.objects.filter(user=user).values_list("post_id", flat=True))
    removed = {"posts": len(posts), "comments": len(comments), "post files": len(names)}
    removed["reactions"] = Reaction.objects.filter(user=user).delete()[0]

    # Counters, recounted from what remains: one statement each.
    touched = (set(comments.values()) | reacted) - set(posts)
    Post.objects.filter(pk__in=set(comments.values())).update(
        comment_count=_count_of(Comment.objects.filter(deleted_at__isnull=True), "post")
    )
    counts: dict[int, dict[str, int]] = {pk: {} for pk in reacted}
    for post_id, emoji, n in (
        Reaction.objects.filter(post_id__in=reacted).values_list("post_id", "emoji").annotate(n=Count("pk"))
    ):
        counts[post_id][emoji] = n
    Post.objects.bulk_update(
        [Post(pk=pk, reaction_counts=value) for pk, value in counts.items()], ["reaction_counts"], batch_size=500
    )

    # Search: the posts (follow=False: their comments and files below, in bulk, not post by post).
    update_index(Post, posts, follow=False)
    update_index(Comment, set(comments) | set(Comment.objects.filter(post_id__in=posts).values_list("pk", flat=True)))
    update_index(Attachment, attachment_ids)

    # Open feeds: what `post_delete`, `comment_delete` and `reaction_toggle` send (in one trip to
    # the channel layer after commit, not one per post). Their cached cards: person_erase has
    # forgotten every post this person wrote, commented or reacted on (cards.forget_person).
    frames: list[tuple[int, dict]] = []
    for post_id, department_id in posts.items():
        deleted: PostEvent = {"type": "feed.post", "department": department_id, "post": post_id, "action": "deleted"}
        frames.append((department_id, dict(deleted)))
    last_comment: dict[int, int] = {}
    for comment_id, post_id in comments.items():
        last_comment[post_id] = max(comment_id, last_comment.get(post_id, 0))
    for post in Post.objects.filter(pk__in=touched).only("pk", "department_id", "comment_count", "reaction_counts"):
        if post.pk in last_comment:
            event: CommentEvent = {
                "type": "feed.comment", "department": post.department_id, "post": post.pk,
                "comment": last_comment[post.pk], "action": "deleted", "comment_count": post.comment_count,
            }  # fmt: skip
            frames.append((post.department_id, dict(event)))
        if post.pk in reacted:
            reactions: ReactionEvent = {
                "type": "feed.reactions", "department": post.department_id, "post": post.pk,
                "counts": post.reaction_counts,
            }  # fmt: skip
            frames.append((post.department_id, dict(reactions)))
    publish_many(FEED_TOPIC, frames)
    return removed, names


# --- Chat and videos -------------------------------------------------------------------------


def remove_chat(acting_user: User, user: User) -> tuple[dict[str, int], set[str]]:
    from apps.chat.models import MessageFile
    from apps.chat.services import messages_remove_by_author

    files = MessageFile.objects.filter(message__author=user, message__deleted_at__isnull=True)
    names = set(files.values_list("file", flat=True))
    files.delete()  # before the messages' delete frames are made: they list no file any more
    removed = messages_remove_by_author(acting_user=acting_user, author=user)
    return {"messages": len(removed), "chat files": len(names)}, names


def remove_videos(user: User) -> dict[str, int]:
    """As `video_delete`: gone for everyone at once, the announcement's card forgotten, files by the worker."""
    from apps.search.index import update_index
    from apps.videos.cards import forget_card
    from apps.videos.models import Video
    from apps.videos.tasks import remove_video_files

    videos = list(Video.objects.filter(uploader=user, deleted_at__isnull=True).only("pk", "announced_post_id"))
    if not videos:
        return {"videos": 0}
    Video.objects.filter(pk__in=[v.pk for v in videos]).update(deleted_at=timezone.now())
    update_index(Video, [v.pk for v in videos])
    for video in videos:
        forget_card(video)
    first = videos[0].pk
    transaction.on_commit(lambda: remove_video_files.enqueue(first))  # the task removes every deleted video's files
    return {"videos": len(videos)}


# --- Ideas, polls and questions ----------------------------------------------------------


def remove_voting(user: User) -> dict[str, int]:
    from apps.realtime.topics import publish
    from apps.voting.events import PollBallotsEvent
    from apps.voting.models import Idea, IdeaComment, IdeaVote, Poll, PollBallot, PollParticipation
    from apps.voting.services import BOARD_TOPIC, idea_recount

    removed: dict[str, int] = {}
    voted = set(IdeaVote.objects.filter(user=user).values_list("idea_id", flat=True))
    removed["votes"] = IdeaVote.objects.filter(user=user).delete()[0]
    commented = set(IdeaComment.objects.filter(author=user).values_list("idea_id", flat=True))
    removed["idea comments"] = IdeaComment.objects.filter(author=user).delete()[0]
    ideas = Idea.objects.filter(author=user).annotate(
        others=Count("comments", filter=~Q(comments__author=user)), merged=Count("merged_ideas")
    )
    removed["ideas"] = blanked = 0
    for idea in ideas:
        if idea.others or idea.merged:
            idea.title, idea.description, idea.description_html = REMOVED_IDEA, "", ""
            idea.save(update_fields=["title", "description", "description_html"])
            blanked += 1
        else:
            idea.delete()
            removed["ideas"] += 1
    removed["ideas blanked"] = blanked
    for idea in Idea.objects.filter(pk__in=voted | commented):
        idea_recount(acting_user=None, idea=idea)
        Idea.objects.filter(pk=idea.pk).update(comment_count=idea.comments.count())
    # Polls they asked go whole, with everyone's ballots in them (as `poll_delete` does).
    removed["polls"] = Poll.objects.filter(author=user).count()
    Poll.objects.filter(author=user).delete()
    polls = set(PollParticipation.objects.filter(user=user).values_list("poll_id", flat=True))
    removed["poll ballots"] = PollBallot.objects.filter(voter=user).count()
    PollBallot.objects.filter(voter=user).delete()  # its choices go with it
    # An anonymous ballot holds nothing that leads to its voter: it stays, uncounted by no one.
    PollParticipation.objects.filter(user=user).delete()
    Poll.objects.filter(pk__in=polls).update(ballot_count=_count_of(PollBallot.objects.all(), "poll"))
    for poll in Poll.objects.filter(pk__in=polls):  # open poll pages show the count live
        event: PollBallotsEvent = {
            "type": "poll.ballots", "board": poll.department_id, "poll": poll.pk,
            "ballot_count": poll.ballot_count, "closed": poll.is_closed(),
        }  # fmt: skip
        publish(BOARD_TOPIC, poll.department_id, dict(event))
    return removed


def remove_questions(user: User) -> tuple[dict[str, int], set[str]]:
    from apps.questions.models import Answer, AnswerReaction, Question, QuestionAttachment, QuestionComment

    removed: dict[str, int] = {}
    reacted = set(AnswerReaction.objects.filter(user=user).values_list("answer_id", flat=True))
    removed["answer reactions"] = AnswerReaction.objects.filter(user=user).delete()[0]
    for answer in Answer.objects.filter(pk__in=reacted).exclude(author=user):
        counts: dict[str, int] = {}
        for emoji in answer.reactions.values_list("emoji", flat=True):
            counts[emoji] = counts.get(emoji, 0) + 1
        Answer.objects.filter(pk=answer.pk).update(reaction_counts=counts)
    touched = set(Answer.objects.filter(author=user).values_list("question_id", flat=True))
    touched |= set(QuestionComment.objects.filter(author=user).values_list("question_id", flat=True))
    accepted = set(Question.objects.filter(accepted_answer__author=user).values_list("accepted_answer_id", flat=True))
    own_files = QuestionAttachment.objects.filter(
        Q(answer__author=user) & ~Q(answer_id__in=accepted) | Q(answer__isnull=True, question__asker=user)
    )
    question_files = set(own_files.values_list("file", flat=True))
    removed["question files"] = own_files.delete()[0]
    removed["answers"] = Answer.objects.filter(author=user).exclude(pk__in=accepted).delete()[0]
    removed["answers blanked"] = 0
    for answer in Answer.objects.filter(pk__in=accepted):
        answer.body, answer.body_html = REMOVED_TEXT, ""
        answer.save(update_fields=["body", "body_html"])
        removed["answers blanked"] += 1
    removed["question comments"] = QuestionComment.objects.filter(author=user).delete()[0]
    removed["questions blanked"] = 0
    for question in Question.objects.filter(asker=user):
        question.title, question.body, question.body_html = REMOVED_QUESTION, "", ""
        question.save(update_fields=["title", "body", "body_html", "updated_at"])
        removed["questions blanked"] += 1
    Question.objects.filter(pk__in=touched).update(
        answer_count=_count_of(Answer.objects.all(), "question"),
        comment_count=_count_of(QuestionComment.objects.all(), "question"),
    )
    return removed, question_files
