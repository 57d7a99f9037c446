"""Shapes of the live frames a board sends over /ws/ to sockets watching "board:<department id>".

Every frame names its `board` (the department id). They carry counts and states that are
the same for every watcher, never per-person data (whether *you* voted stays in the page).
Services publish them after commit through `apps.realtime.topics.publish`.
"""

from typing import Literal, TypedDict


class IdeaSummary(TypedDict):
    id: int
    title: str
    url: str
    status: str
    status_label: str
    vote_count: int
    author: str | None


class IdeaCreatedEvent(TypedDict):
    """A new idea was proposed on the board."""

    type: Literal["idea.created"]
    board: int
    idea: IdeaSummary


class IdeaVotesEvent(TypedDict):
    """An idea's vote count changed (a vote, a vote taken back, a merge)."""

    type: Literal["idea.votes"]
    board: int
    idea: int
    vote_count: int


class IdeaStatusEvent(TypedDict):
    """A manager changed an idea's status; `note_html` is the note, already sanitised."""

    type: Literal["idea.status"]
    board: int
    idea: int
    status: str
    status_label: str
    accepts_votes: bool
    note_html: str


class IdeaMergedEvent(TypedDict):
    """A duplicate was merged into another idea and left the board."""

    type: Literal["idea.merged"]
    board: int
    idea: int
    into: int
    into_url: str


class IdeaCommentsEvent(TypedDict):
    type: Literal["idea.comments"]
    board: int
    idea: int
    comment_count: int


class IdeaDeletedEvent(TypedDict):
    type: Literal["idea.deleted"]
    board: int
    idea: int


class PollBallotsEvent(TypedDict):
    """How many have voted in a poll, and whether it is closed. Never what anyone chose."""

    type: Literal["poll.ballots"]
    board: int
    poll: int
    ballot_count: int
    closed: bool


BoardEvent = (
    IdeaCreatedEvent
    | IdeaVotesEvent
    | IdeaStatusEvent
    | IdeaMergedEvent
    | IdeaCommentsEvent
    | IdeaDeletedEvent
    | PollBallotsEvent
)
