"""Captions: WebVTT or SRT in, clean WebVTT out, with the cues for the transcript and search.

Parsed here rather than passed through: a caption file is user input shown to every viewer,
so only timings and plain text survive (no cue settings, styles, regions or markup).
"""

import re
from dataclasses import dataclass

from apps.core.errors import Invalid

MAX_CAPTION_BYTES = 2 * 1024 * 1024
_TIME = r"(?:(\d{1,3}):)?(\d{2}):(\d{2})[.,](\d{3})"
_TIMING = re.compile(rf"^\s*{_TIME}\s+-->\s+{_TIME}")
_TAGS = re.compile(r"<[^>]*>")


@dataclass(frozen=True)
class Cue:
    start: float
    end: float
    text: str


def _seconds(hours: str | None, minutes: str, seconds: str, millis: str) -> float:
    return int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds) + int(millis) / 1000


def parse(data: bytes) -> list[Cue]:
    """The cues of a WebVTT or SRT file, or `Invalid` if it is neither."""
    if len(data) > MAX_CAPTION_BYTES:
        raise Invalid.field("file", "A caption file is at most 2 MB.", code="captions_too_large")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Invalid.field("file", "Caption files must be UTF-8 text (WebVTT or SRT).", code="bad_captions") from None
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    cues: list[Cue] = []
    for block in re.split(r"\n\s*\n", text):
        lines = [line for line in block.split("\n") if line.strip()]
        for index, line in enumerate(lines):
            match = _TIMING.match(line)
            if match:
                g = match.groups()
                start, end = _seconds(*g[:4]), _seconds(*g[4:])
                body = " ".join(_TAGS.sub("", t).strip() for t in lines[index + 1 :]).strip()
                if body and end > start:
                    cues.append(Cue(start, end, body[:500]))
                break
    if not cues:
        raise Invalid.field(
            "file", "No captions found: upload a WebVTT (.vtt) or SRT (.srt) file.", code="bad_captions"
        )
    return cues


def stamp(seconds: float) -> str:
    whole = int(seconds)
    millis = round((seconds - whole) * 1000)
    return f"{whole // 3600:02d}:{whole % 3600 // 60:02d}:{whole % 60:02d}.{min(millis, 999):03d}"


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("-->", "--&gt;")


def to_webvtt(cues: list[Cue]) -> str:
    lines = ["WEBVTT", ""]
    for cue in cues:
        lines += [f"{stamp(cue.start)} --> {stamp(cue.end)}", _escape(cue.text), ""]
    return "\n".join(lines)


def transcript_text(cues: list[Cue]) -> str:
    return "\n".join(cue.text for cue in cues)


_CHAPTER = re.compile(r"^\s*(?:[-*]\s*)?\(?((?:\d{1,2}:)?\d{1,2}:\d{2})\)?\s*[-–:]?\s*(.+?)\s*$", re.MULTILINE)


def chapters(description: str) -> list[dict]:
    """Chapters from `mm:ss Title` (or `h:mm:ss`) lines of a description, in order of time."""
    found = []
    for match in _CHAPTER.finditer(description or ""):
        parts = [int(p) for p in match.group(1).split(":")]
        seconds = parts[-1] + parts[-2] * 60 + (parts[-3] * 3600 if len(parts) == 3 else 0)
        if parts[-1] < 60:
            found.append({"start": seconds, "label": match.group(1), "title": match.group(2)[:120]})
    return sorted(found, key=lambda c: c["start"])
