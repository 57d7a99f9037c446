"""Shapes of the live frames sent to sockets watching "video:<id>" (its processing, for the uploader's page).

They carry the processing state (and, later, the automatic captions' state), the same for every
watcher. Services publish them after commit through `apps.realtime.topics.publish`.
"""

from typing import Literal, TypedDict


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
