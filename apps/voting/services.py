"""Writes on ideas and polls. Each takes the `acting_user` and authorises them through
`access` itself; callers fetch objects through `access` first (which decides `NotFound`).

Every vote takes a row lock on its idea or poll, then recounts from the votes in the
same transaction: concurrent votes queue on the lock, none is lost and none counted
twice, and the unique constraints catch anything that slips past the checks. Live
frames are published and notifications sent after commit.
"""

from collections.abc import Sequence
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from apps.accounts.models import User
from apps.audit.services import record_content_deletion
from apps.core.errors import Conflict, Forbidden, Invalid, NotFound, require, validating
from apps.core.markdown import render_markdown
from apps.departments.access import can_read, write_refusal
from apps.departments.models import Department
from apps.notifications.services import notify
from apps.realtime.topics import publish
from apps.search.index import update_index

from .access import (
    can_delete_comment,
    can_delete_idea,
    can_edit_idea,
    can_manage_poll,
    can_moderate_board,
    can_use_board,
)
from .events import (
    IdeaCommentsEvent,
    IdeaCreatedEvent,
    IdeaDeletedEvent,
    IdeaMergedEvent,
    IdeaStatusEvent,
    IdeaSummary,
    IdeaVotesEvent,
    PollBallotsEvent,
)
from .models import (
    Idea,
    IdeaComment,
    IdeaStatusChange,
    IdeaVote,
    Poll,
    PollBallot,
    PollChoice,
    PollOption,
    PollParticipation,
)
from .trending import trending_score

BOARD_TOPIC = "board"
MAX_POLL_OPTIONS = 20


# Ideas


def idea_create(*, acting_user: User, department: Department, title: str, description: str = "") -> Idea:
    """Propose an idea. The author's own vote is cast with it (and can be taken back like any other)."""
    author = acting_user
    _require_board_user(author, department)
    idea = Idea(department=department, author=author, title=_one_line(title), description=(description or "").strip())
    if not idea.title:
        raise Invalid.field("title", "Give your idea a title.")
    idea.description_html = render_markdown(idea.description)
    with validating():
        idea.full_clean(exclude=["department", "author"])
    with transaction.atomic():
        idea.save()
        IdeaVote.objects.create(idea=idea, user=author)
        _refresh_vote_totals(idea)
        event: IdeaCreatedEvent = {"type": "idea.created", "board": department.pk, "idea": idea_summary(idea)}
        publish(BOARD_TOPIC, department.pk, dict(event))
    return idea


def idea_update(*, acting_user: User, idea: Idea, title: str | None = None, description: str | None = None) -> Idea:
    require(
        can_edit_idea(acting_user, idea),
        "Only the author, while the idea is open, and the department's managers can edit it.",
    )
    if title is not None:
        idea.title = _one_line(title)
        if not idea.title:
            raise Invalid.field("title", "Give your idea a title.")
    if description is not None:
        idea.description = description.strip()
        idea.description_html = render_markdown(idea.description)
    with validating():
        idea.full_clean(exclude=["department", "author", "merged_into"])
    idea.save(update_fields=["title", "description", "description_html", "updated_at"])
    return idea


def idea_delete(*, acting_user: User, idea: Idea) -> None:
    require(
        can_delete_idea(acting_user, idea),
        "Only the author, while the idea is open, and the department's managers can delete it.",
    )
    event: IdeaDeletedEvent = {"type": "idea.deleted", "board": idea.department_id, "idea": idea.pk}
    with transaction.atomic():
        record_content_deletion(
            actor=acting_user,
            kind="idea",
            object_id=idea.pk,
            author_id=idea.author_id,
            department_id=idea.department_id,
        )
        idea.delete()
        publish(BOARD_TOPIC, event["board"], dict(event))


def idea_vote(*, acting_user: User, idea: Idea) -> Idea:
    """Up-vote the idea once. Voting twice, or on a closed or merged idea, is refused and changes nothing."""
    user = acting_user
    _require_board_user(user, idea.department)
    with transaction.atomic():
        idea = _locked_idea(idea)
        _require_accepts_votes(idea)
        if IdeaVote.objects.filter(idea=idea, user=user).exists():
            raise Conflict("already_voted", "You have already voted for this idea.")
        try:
            with transaction.atomic():
                IdeaVote.objects.create(idea=idea, user=user)
        except IntegrityError:
            raise Conflict("already_voted", "You have already voted for this idea.") from None
        _refresh_vote_totals(idea)
        _publish_votes(idea)
    return idea


def idea_unvote(*, acting_user: User, idea: Idea) -> Idea:
    """Take one's vote back."""
    user = acting_user
    _require_board_user(user, idea.department)
    with transaction.atomic():
        idea = _locked_idea(idea)
        _require_accepts_votes(idea)
        deleted, _ = IdeaVote.objects.filter(idea=idea, user=user).delete()
        if not deleted:
            raise Conflict("not_voted", "You have not voted for this idea.")
        _refresh_vote_totals(idea)
        _publish_votes(idea)
    return idea


def idea_set_status(*, acting_user: User, idea: Idea, status: str, note: str = "") -> IdeaStatusChange:
    """A manager's answer: the new status and a note go into the idea's history; voters and author are notified."""
    actor = acting_user
    require(can_moderate_board(actor, idea.department), "Only the department's managers can answer ideas.")
    if status not in Idea.Status.values:
        raise Invalid.field("status", f"Unknown status {status!r}; use one of: {', '.join(Idea.Status.values)}.")
    note = (note or "").strip()
    with transaction.atomic():
        idea = _locked_idea(idea)
        if idea.is_merged:
            raise Conflict("merged", "This idea was merged into another one: answer that one instead.")
        if idea.status == status:
            raise Invalid.field("status", f"The idea is already “{idea.get_status_display()}”.")
        change = IdeaStatusChange(idea=idea, actor=actor, old_status=idea.status, new_status=status, note=note)
        change.note_html = render_markdown(note)
        with validating():
            change.full_clean(exclude=["idea", "actor"])
        change.save()
        idea.status = status
        idea.save(update_fields=["status", "updated_at"])
        voters = User.objects.filter(idea_votes__idea=idea).only("pk")
        notify(
            recipients=[*voters, idea.author],
            kind="idea_status",
            title=f"“{idea.title}” is now {idea.get_status_display()}",
            url=idea.get_absolute_url(),
            actor=actor,
            department=idea.department,
        )
        event: IdeaStatusEvent = {
            "type": "idea.status",
            "board": idea.department_id,
            "idea": idea.pk,
            "status": idea.status,
            "status_label": idea.get_status_display(),
            "accepts_votes": idea.accepts_votes,
            "note_html": change.note_html,
        }
        publish(BOARD_TOPIC, idea.department_id, dict(event))
    return change


def idea_merge(*, acting_user: User, duplicate: Idea, target: Idea) -> Idea:
    """Fold `duplicate` into `target`: its votes move over (someone who voted for both counts once),
    ideas merged into it follow, and it leaves the board, pointing to `target`. Returns the target."""
    actor = acting_user
    require(can_moderate_board(actor, duplicate.department), "Only the department's managers can merge ideas.")
    if duplicate.pk == target.pk:
        raise Invalid.field("into", "An idea cannot be merged into itself.")
    if duplicate.department_id != target.department_id:
        raise Invalid.field("into", "Both ideas must be on the same board.")
    with transaction.atomic():
        # Both rows locked, always in id order, so two merges never wait on each other in a circle.
        rows = Idea.objects.select_for_update().filter(pk__in=[duplicate.pk, target.pk]).order_by("pk")
        locked = {row.pk: row for row in rows}
        if len(locked) != 2:
            raise Invalid.field("into", "That idea no longer exists.")
        duplicate, target = _attach(locked[duplicate.pk], duplicate), _attach(locked[target.pk], target)
        if duplicate.is_merged:
            raise Conflict("merged", "This idea was already merged into another one.")
        if target.is_merged:
            raise Invalid.field("into", "That idea was itself merged into another one: merge into that one.")
        voter_ids = set(IdeaVote.objects.filter(idea=duplicate).values_list("user_id", flat=True))
        target_voters = IdeaVote.objects.filter(idea=target).values("user_id")
        IdeaVote.objects.filter(idea=duplicate, user_id__in=target_voters).delete()
        IdeaVote.objects.filter(idea=duplicate).update(idea=target)
        Idea.objects.filter(merged_into=duplicate).update(merged_into=target)
        duplicate.merged_into, duplicate.merged_at = target, timezone.now()
        duplicate.save(update_fields=["merged_into", "merged_at", "updated_at"])
        _refresh_vote_totals(duplicate)
        _refresh_vote_totals(target)
        notify(
            recipients=[*User.objects.filter(pk__in=voter_ids).only("pk"), duplicate.author],
            kind="idea_merged",
            title=f"“{duplicate.title}” was merged into “{target.title}”: votes moved there",
            url=target.get_absolute_url(),
            actor=actor,
            department=target.department,
        )
        merged: IdeaMergedEvent = {
            "type": "idea.merged",
            "board": target.department_id,
            "idea": duplicate.pk,
            "into": target.pk,
            "into_url": target.get_absolute_url(),
        }
        publish(BOARD_TOPIC, target.department_id, dict(merged))
        _publish_votes(target)
    return target


def idea_recount(*, acting_user: User | None, idea: Idea) -> Idea:
    """Recompute the vote count and trending score from the votes (after a bulk import, say)."""
    if acting_user is not None:
        require(can_moderate_board(acting_user, idea.department), "Only the department's managers can recount.")
    with transaction.atomic():
        idea = _locked_idea(idea)
        _refresh_vote_totals(idea)
        _publish_votes(idea)
    return idea


def comment_create(*, acting_user: User, idea: Idea, body: str) -> IdeaComment:
    author = acting_user
    _require_board_user(author, idea.department)
    body = (body or "").strip()
    if not body:
        raise Invalid.field("body", "Write a comment first.")
    if idea.is_merged:
        raise Conflict("merged", "This idea was merged into another one: comment there.")
    comment = IdeaComment(idea=idea, author=author, body=body, body_html=render_markdown(body))
    with validating():
        comment.full_clean(exclude=["idea", "author"])
    with transaction.atomic():
        comment.save()
        Idea.objects.filter(pk=idea.pk).update(comment_count=F("comment_count") + 1)
        idea.refresh_from_db(fields=["comment_count"])
        notify(
            recipients=[idea.author],
            kind="idea_comment",
            title=f"{author.display_name} commented on “{idea.title}”",
            url=f"{idea.get_absolute_url()}#comment-{comment.pk}",
            actor=author,
            department=idea.department,
        )
        _publish_comments(idea)
    return comment


def comment_delete(*, acting_user: User, comment: IdeaComment) -> None:
    idea = comment.idea
    require(
        can_delete_comment(acting_user, comment, idea.department),
        "Only the comment's author and the department's managers can delete it.",
    )
    with transaction.atomic():
        record_content_deletion(
            actor=acting_user, kind="idea_comment", object_id=comment.pk, author_id=comment.author_id, idea_id=idea.pk
        )
        comment.delete()
        Idea.objects.filter(pk=idea.pk).update(comment_count=F("comment_count") - 1)
        idea.refresh_from_db(fields=["comment_count"])
        _publish_comments(idea)


def idea_summary(idea: Idea) -> IdeaSummary:
    summary: IdeaSummary = {
        "id": idea.pk,
        "title": idea.title,
        "url": idea.get_absolute_url(),
        "status": idea.status,
        "status_label": idea.get_status_display(),
        "vote_count": idea.vote_count,
        "author": idea.author.display_name if idea.author else None,
    }
    return summary


def _refresh_vote_totals(idea: Idea) -> None:
    """Recount from the votes themselves (the caller holds the idea's row lock)."""
    times = list(IdeaVote.objects.filter(idea_id=idea.pk).values_list("created_at", flat=True))
    idea.vote_count, idea.trending_score = len(times), trending_score(times)
    Idea.objects.filter(pk=idea.pk).update(vote_count=idea.vote_count, trending_score=idea.trending_score)


def _locked_idea(idea: Idea) -> Idea:
    """The idea's row, locked until commit and read fresh (its status may have changed meanwhile)."""
    try:
        return _attach(Idea.objects.select_for_update().get(pk=idea.pk), idea)
    except Idea.DoesNotExist:
        raise Conflict("gone", "This idea no longer exists.") from None


def _attach(fresh: Idea, original: Idea) -> Idea:
    # Not select_related: on PostgreSQL that would lock the department row too, and
    # every vote of a department would queue behind every other.
    fresh.department = original.department
    if original.author_id == fresh.author_id and "author" in original._state.fields_cache:
        fresh.author = original.author
    return fresh


def _require_accepts_votes(idea: Idea) -> None:
    if idea.is_merged:
        raise Conflict("merged", "This idea was merged into another one: vote there.")
    if not idea.accepts_votes:
        raise Conflict("voting_closed", f"This idea is {idea.get_status_display().lower()}: voting on it is closed.")


def _require_board_user(user: User, department: Department) -> None:
    if not can_read(user, department):
        raise NotFound("unknown_department", "There is no such board, or you do not have access to it.")
    if not can_use_board(user, department):
        raise write_refusal(user, department) or Forbidden("forbidden", "You cannot write on this board.")


def _publish_votes(idea: Idea) -> None:
    event: IdeaVotesEvent = {
        "type": "idea.votes",
        "board": idea.department_id,
        "idea": idea.pk,
        "vote_count": idea.vote_count,
    }
    publish(BOARD_TOPIC, idea.department_id, dict(event))


def _publish_comments(idea: Idea) -> None:
    event: IdeaCommentsEvent = {
        "type": "idea.comments",
        "board": idea.department_id,
        "idea": idea.pk,
        "comment_count": idea.comment_count,
    }
    publish(BOARD_TOPIC, idea.department_id, dict(event))


def _one_line(text: str | None) -> str:
    return " ".join((text or "").split())


# Polls


def poll_create(
    *,
    acting_user: User,
    department: Department,
    question: str,
    kind: str,
    options: Sequence[str],
    description: str = "",
    is_anonymous: bool = False,
    closes_at: datetime | None = None,
    max_choices: int | None = None,
) -> Poll:
    author = acting_user
    _require_board_user(author, department)
    errors: dict[str, str] = {}
    question = _one_line(question)
    if not question:
        errors["question"] = "Ask a question."
    if kind not in Poll.Kind.values:
        errors["kind"] = f"Unknown kind {kind!r}; use one of: {', '.join(Poll.Kind.values)}."
    labels = [_one_line(label) for label in options]
    labels = [label for label in labels if label]
    seen: set[str] = set()
    for label in labels:
        if label.casefold() in seen:
            errors["options"] = f"Each option must be different: “{label}” appears twice."
        seen.add(label.casefold())
        if len(label) > 200:
            errors["options"] = "An option has at most 200 characters."
    if len(labels) < 2:
        errors["options"] = "Give at least two options."
    elif len(labels) > MAX_POLL_OPTIONS:
        errors["options"] = f"A poll has at most {MAX_POLL_OPTIONS} options."
    if closes_at is not None and closes_at <= timezone.now():
        errors["closes_at"] = "The closing time must be in the future."
    if max_choices is not None:
        if kind != Poll.Kind.MULTIPLE:
            errors["max_choices"] = "Only multiple-choice polls limit how many options one picks."
        elif not 1 <= max_choices <= max(len(labels), 1):
            errors["max_choices"] = f"Choose a limit between 1 and the number of options ({len(labels)})."
    if errors:
        raise Invalid.fields(errors)
    description = (description or "").strip()
    poll = Poll(
        department=department,
        author=author,
        question=question,
        description=description,
        description_html=render_markdown(description),
        kind=kind,
        is_anonymous=is_anonymous,
        closes_at=closes_at,
        max_choices=max_choices,
    )
    with validating():
        poll.full_clean(exclude=["department", "author"])
    with transaction.atomic():
        poll.save()
        PollOption.objects.bulk_create(
            [PollOption(poll=poll, label=label, position=index) for index, label in enumerate(labels)]
        )
        update_index(Poll, [poll.pk])  # its options are searchable too
    return poll


def poll_vote(*, acting_user: User, poll: Poll, option_ids: Sequence[int]) -> Poll:
    """Cast the user's one ballot. `option_ids` in order of preference for a ranked-choice poll.

    In an anonymous poll the ballot is stored without the voter; only the fact that they
    voted is kept, apart from it, so that nobody votes twice.
    """
    user = acting_user
    _require_board_user(user, poll.department)
    with transaction.atomic():
        poll = _locked_poll(poll)
        if poll.is_closed():
            raise Conflict("poll_closed", "This poll is closed.")
        chosen = _validated_choices(poll, option_ids)
        if PollParticipation.objects.filter(poll=poll, user=user).exists():
            raise Conflict("already_voted", "You have already voted in this poll.")
        try:
            with transaction.atomic():
                PollParticipation.objects.create(poll=poll, user=user)
        except IntegrityError:
            raise Conflict("already_voted", "You have already voted in this poll.") from None
        ballot = PollBallot.objects.create(poll=poll, voter=None if poll.is_anonymous else user)
        ranked = poll.kind == Poll.Kind.RANKED
        PollChoice.objects.bulk_create(
            [
                PollChoice(ballot=ballot, option=option, rank=rank if ranked else None)
                for rank, option in enumerate(chosen, start=1)
            ]
        )
        _refresh_ballot_count(poll)
    return poll


def poll_withdraw(*, acting_user: User, poll: Poll) -> Poll:
    """Take one's ballot back, in a poll that is not anonymous and still open."""
    user = acting_user
    _require_board_user(user, poll.department)
    if poll.is_anonymous:
        raise Conflict(
            "anonymous_ballot",
            "Ballots in an anonymous poll are final: nothing links yours to you, so it cannot be taken back.",
        )
    with transaction.atomic():
        poll = _locked_poll(poll)
        if poll.is_closed():
            raise Conflict("poll_closed", "This poll is closed.")
        deleted, _ = PollParticipation.objects.filter(poll=poll, user=user).delete()
        if not deleted:
            raise Conflict("not_voted", "You have not voted in this poll.")
        PollBallot.objects.filter(poll=poll, voter=user).delete()
        _refresh_ballot_count(poll)
    return poll


def poll_close(*, acting_user: User, poll: Poll) -> Poll:
    require(can_manage_poll(acting_user, poll), "Only the poll's author and the department's managers can close it.")
    with transaction.atomic():
        poll = _locked_poll(poll)
        if poll.is_closed():
            raise Conflict("poll_closed", "This poll is already closed.")
        poll.closes_at = timezone.now()
        poll.save(update_fields=["closes_at"])
        _publish_ballots(poll)
    return poll


def poll_delete(*, acting_user: User, poll: Poll) -> None:
    require(can_manage_poll(acting_user, poll), "Only the poll's author and the department's managers can delete it.")
    with transaction.atomic():
        record_content_deletion(
            actor=acting_user,
            kind="poll",
            object_id=poll.pk,
            author_id=poll.author_id,
            department_id=poll.department_id,
        )
        poll.delete()


def _validated_choices(poll: Poll, option_ids: Sequence[int]) -> list[PollOption]:
    options = {option.pk: option for option in poll.options.all()}
    try:
        ids = [int(option_id) for option_id in option_ids]
    except (TypeError, ValueError):
        raise Invalid.field("options", "Options are given by their ids.") from None
    if any(option_id not in options for option_id in ids):
        raise Invalid.field("options", "Choose among this poll's options.")
    if len(set(ids)) != len(ids):
        raise Invalid.field("options", "Each option can be chosen only once.")
    if not ids:
        message = {"single": "Choose an option.", "multiple": "Choose at least one option."}
        raise Invalid.field("options", message.get(poll.kind, "Rank at least one option."))
    if poll.kind == Poll.Kind.SINGLE and len(ids) != 1:
        raise Invalid.field("options", "Choose only one option.")
    if poll.kind == Poll.Kind.MULTIPLE and poll.max_choices and len(ids) > poll.max_choices:
        raise Invalid.field("options", f"Choose at most {poll.max_choices} options.")
    return [options[option_id] for option_id in ids]


def _locked_poll(poll: Poll) -> Poll:
    try:
        fresh = Poll.objects.select_for_update().get(pk=poll.pk)
    except Poll.DoesNotExist:
        raise Conflict("gone", "This poll no longer exists.") from None
    fresh.department = poll.department
    return fresh


def _refresh_ballot_count(poll: Poll) -> None:
    poll.ballot_count = PollBallot.objects.filter(poll=poll).count()
    Poll.objects.filter(pk=poll.pk).update(ballot_count=poll.ballot_count)
    _publish_ballots(poll)


def _publish_ballots(poll: Poll) -> None:
    event: PollBallotsEvent = {
        "type": "poll.ballots",
        "board": poll.department_id,
        "poll": poll.pk,
        "ballot_count": poll.ballot_count,
        "closed": poll.is_closed(),
    }
    publish(BOARD_TOPIC, poll.department_id, dict(event))
