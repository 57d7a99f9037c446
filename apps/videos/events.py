"""Shapes of the live frames sent to sockets watching "video:<id>" (its processing, for the uploader's page)
and "video_completion:<id>" (the managers' dashboard of who watched it).

They carry the processing state (and, later, the automatic captions' state), the same for every
watcher. Services publish them after commit through `apps.realtime.topics.publish`.
"""

from typing import Literal, TypedDict

from apps.realtime.events import Person


class VideoProgressEvent(TypedDict):
    """Processing moved on: `percent` of the transcoding done, or it finished (`ready`) or failed (`error`)."""

    type: Literal["video.progress"]
    video: int
    status: str
    percent: int
    error: str


class VideoCaptionsEvent(TypedDict):
    """Automatic captions moved on (`speech.py`): `percent` of the sound heard, or `done`, `no_speech`, `failed`..."""

    type: Literal["video.captions"]
    video: int
    status: str
    percent: int
    error: str
    language: str


class VideoCompletionEvent(TypedDict):
    """Someone completed the video: now `completed` of the department's `total` readers have (managers only)."""

    type: Literal["video.completion"]
    video: int
    completed: int
    total: int
    user: Person
    completed_at: str
    percent: int  # how much of it they watched
