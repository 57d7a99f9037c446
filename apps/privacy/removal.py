"""ERASURE_CONTENT=remove for ideas, polls and questions: what the person wrote goes, counters follow.

Rows are deleted where nobody else's words hang on them (idea comments, answers, question comments,
ideas no colleague commented on, ballots, votes, reactions), and every counter they fed (vote and
trending score, comment, answer and ballot counts, reaction counts) is recounted from the rows that
remain. Where deleting would take others' words with it, the text is blanked instead and the row
stays: a question (others answered it, or it was asked of their department), an accepted answer
(the question's outcome), an idea a colleague commented on or merged into. Saved one by one, so that
the search index forgets the old text.
"""

from django.db.models import Count, Q

from apps.accounts.models import User

REMOVED_IDEA = "Removed idea"
REMOVED_QUESTION = "Removed question"
REMOVED_TEXT = "(removed)"


def remove_voting(user: User) -> dict[str, int]:
    from apps.voting.models import Idea, IdeaComment, IdeaVote, Poll, PollBallot, PollParticipation
    from apps.voting.services import idea_recount

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
    polls = set(PollParticipation.objects.filter(user=user).values_list("poll_id", flat=True))
    removed["poll ballots"] = PollBallot.objects.filter(voter=user).count()
    PollBallot.objects.filter(voter=user).delete()  # its choices go with it
    # An anonymous ballot holds nothing that leads to its voter: it stays, uncounted by no one.
    PollParticipation.objects.filter(user=user).delete()
    for poll in Poll.objects.filter(pk__in=polls):
        Poll.objects.filter(pk=poll.pk).update(ballot_count=poll.ballots.count())
    return removed


def remove_questions(user: User) -> dict[str, int]:
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
    removed["question files"] = 0
    for attachment in own_files:
        attachment.file.delete(save=False)
        attachment.delete()
        removed["question files"] += 1
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
    for question in Question.objects.filter(pk__in=touched):
        Question.objects.filter(pk=question.pk).update(
            answer_count=question.answers.count(), comment_count=question.comments.count()
        )
    return removed
