"""Frames the feed sends over /ws/ to sockets watching `feed:<department id>`.

They carry ids and counts, not content: the page fetches the rendered card through
an authorised view, so one template and one permission check serve every path.
"""

from typing import Literal, TypedDict


class PostEvent(TypedDict):
    type: Literal["feed.post"]
    department: int
    post: int
    action: Literal["created", "edited", "deleted"]


class CommentEvent(TypedDict):
    type: Literal["feed.comment"]
    department: int
    post: int
    comment: int
    action: Literal["created", "edited", "deleted"]
    comment_count: int


class ReactionEvent(TypedDict):
    type: Literal["feed.reactions"]
    department: int
    post: int
    counts: dict[str, int]
