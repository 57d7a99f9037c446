"""Automatic captions: offline speech recognition of a video's sound, in the worker, after transcoding.

PocketSphinx (its wheel carries the en-US model, so nothing is downloaded at run time) hears
the fallback MP4's audio, which ffmpeg streams as 16 kHz mono PCM. A voice-activity endpointer
cuts it into utterances, so silence and music are skipped rather than decoded, and memory stays
bounded however long the video is. The words, with their times, become WebVTT cues stored as a
caption track marked automatic ("English (automatic)"), which the uploader corrects like any
other. A video without speech gets no track: its `Transcription` says "no speech" instead.

The video is playable before any of this starts: `queue_after_processing` only queues the job,
at a lower priority than transcoding, when `video_process` has marked the video ready.
"""

import logging
import re
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils.translation import get_language_info

from apps.accounts.models import User
from apps.core.errors import Conflict, Unavailable
from apps.realtime.topics import publish

from . import captions as caption_files
from .access import access_video, require_change_video
from .events import VideoCaptionsEvent
from .media import ffmpeg_path
from .models import Caption, Transcription, Video

logger = logging.getLogger(__name__)

SAMPLE_RATE = 16_000
BYTES_PER_SECOND = SAMPLE_RATE * 2  # 16-bit mono
FRAMES_PER_SECOND = 100  # PocketSphinx's default frame rate: a word's frames / 100 are seconds
MAX_UTTERANCE_SECONDS = 20  # a longer stretch without a pause is cut, so one utterance never grows without bound
# How words are grouped into cues: a pause, a long cue or a long line starts a new one.
CUE_PAUSE = 0.8
CUE_MAX_SECONDS = 5.0
CUE_MAX_CHARS = 80
# An utterance is kept as speech with at least this many words, and this many per second (see `_words`).
MIN_WORDS = 2
MIN_WORDS_PER_SECOND = 1.2
PRIORITY = -10  # after transcoding, e-mail and reminders (django-tasks: higher runs first)
_ALTERNATE = re.compile(r"\(\d+\)$")  # "the(2)": the dictionary's second pronunciation of "the"


@dataclass(frozen=True)
class Word:
    text: str
    start: float
    end: float
    confidence: float  # the word's posterior probability, 0..1


# ---------------------------------------------------------------- recognition (no database)


@cache
def _model_files(language: str, folder: str) -> tuple[tuple[str, str], ...]:
    """Decoder arguments for the language's model: the wheel's own for English, else `folder`'s."""
    if not folder:
        if language.split("-")[0].lower() != "en":
            raise Unavailable(
                "speech_model_missing",
                f"No speech model for “{language}”: set VIDEO_SPEECH_MODEL to a PocketSphinx model folder.",
            )
        return ()
    root = Path(folder)
    hmm = next((p.parent for p in root.rglob("mdef")), None)
    lm = next(iter(sorted(root.rglob("*.lm.bin")) + sorted(root.rglob("*.lm"))), None)
    dictionary = next(iter(sorted(root.rglob("*.dict")) + sorted(root.rglob("*.dic"))), None)
    if hmm is None or lm is None or dictionary is None:
        raise Unavailable(
            "speech_model_missing",
            f"VIDEO_SPEECH_MODEL ({folder}) needs an acoustic model (mdef), a language model and a dictionary.",
        )
    return (("hmm", str(hmm)), ("lm", str(lm)), ("dict", str(dictionary)))


def _decoder(language: str):
    """A fresh decoder per video: its noise estimate then depends on this video's sound only."""
    try:
        import pocketsphinx
    except ImportError:
        raise Unavailable("speech_missing", "pocketsphinx is not installed on the server (make venv).") from None
    return pocketsphinx.Decoder(
        loglevel="ERROR", samprate=SAMPLE_RATE, **dict(_model_files(language, settings.VIDEO_SPEECH_MODEL))
    )


def _words(decoder, offset: float) -> list[Word]:
    """The utterance's words with their times, without silences, fillers and noise markers.

    An utterance that does not sound like talk is dropped whole: people say two or three words
    a second, while what PocketSphinx makes of music, a tone or noise is a word or two over
    several seconds (measured on generated music, chords and noise). Captioning that would
    bury a video without speech under nonsense.
    """
    segments = list(decoder.seg()) if decoder.hyp() is not None else []
    found = []
    for segment in segments:
        text = _ALTERNATE.sub("", segment.word)
        if not text or text[0] in "<[+" or text.startswith("++"):
            continue
        start = offset + segment.start_frame / FRAMES_PER_SECOND
        end = offset + (segment.end_frame + 1) / FRAMES_PER_SECOND
        found.append(Word(text, round(start, 2), round(end, 2), round(segment.prob, 3)))
    length = (segments[-1].end_frame + 1) / FRAMES_PER_SECOND if segments else 0
    talk = len(found) >= MIN_WORDS and len(found) >= MIN_WORDS_PER_SECOND * length
    return found if talk else []


def recognise_pcm(chunks: Iterator[bytes], *, language: str) -> list[Word]:
    """Every word heard in a stream of 16 kHz mono 16-bit PCM, in order of time."""
    from pocketsphinx import Endpointer

    decoder = _decoder(language)
    endpointer = Endpointer(sample_rate=SAMPLE_RATE)
    frame_bytes = endpointer.frame_bytes
    words: list[Word] = []
    in_utterance, region_start, fed, utterance_start = False, 0.0, 0, 0.0
    pending = b""

    def finish() -> None:
        nonlocal in_utterance
        decoder.end_utt()
        words.extend(_words(decoder, utterance_start))
        in_utterance = False

    def feed(frame: bytes, last: bool) -> None:
        nonlocal in_utterance, region_start, fed, utterance_start
        speech = endpointer.end_stream(frame) if last else endpointer.process(frame)
        if speech is None or (not speech and not in_utterance):
            return
        if not in_utterance:
            if fed == 0:
                region_start = endpointer.speech_start
            utterance_start = region_start + fed * endpointer.frame_length
            decoder.start_utt()
            in_utterance = True
        if speech:  # the stream's end may close a region with no sound left
            decoder.process_raw(speech)
            fed += 1
        region_over = not endpointer.in_speech or last
        if region_over or (region_start + fed * endpointer.frame_length - utterance_start) > MAX_UTTERANCE_SECONDS:
            finish()
            if region_over:
                fed = 0

    for chunk in chunks:
        pending += chunk
        usable = len(pending) - len(pending) % frame_bytes
        for index in range(0, usable, frame_bytes):
            feed(pending[index : index + frame_bytes], False)
        pending = pending[usable:]
    # The endpointer holds back its last window of frames: closing the stream (with the last part
    # of a frame, or one silent sample) hands them over, and ends a region still open.
    feed(pending[: len(pending) - len(pending) % 2] or b"\0\0", True)
    if in_utterance:
        finish()
    return words


def audio_chunks(path: Path, *, on_seconds: Callable[[float], None] | None = None) -> Iterator[bytes]:
    """The sound of a media file as 16 kHz mono PCM, streamed from ffmpeg (never all in memory)."""
    process = subprocess.Popen(  # noqa: S603  (a list of arguments, no shell: a file name cannot inject)
        [ffmpeg_path(), "-nostdin", "-v", "error", "-i", str(path), "-vn", "-ac", "1", "-ar", str(SAMPLE_RATE),
         "-f", "s16le", "pipe:1"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    assert process.stdout is not None and process.stderr is not None
    read = 0
    try:
        while chunk := process.stdout.read(BYTES_PER_SECOND):
            read += len(chunk)
            yield chunk
            if on_seconds is not None:
                on_seconds(read / BYTES_PER_SECOND)
        error = process.stderr.read().decode(errors="replace").strip()
        if process.wait() != 0:
            raise RuntimeError(f"ffmpeg could not read the sound: {error[-300:]}")
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def recognise(path: Path, *, language: str, on_seconds: Callable[[float], None] | None = None) -> list[Word]:
    """The words spoken in a media file (the worker's whole recognition step, without the database)."""
    return recognise_pcm(audio_chunks(path, on_seconds=on_seconds), language=language)


def cues_from(words: list[Word]) -> list[caption_files.Cue]:
    """Caption cues from timed words: a new cue after a pause, or when one grows too long to read."""
    cues: list[caption_files.Cue] = []
    group: list[Word] = []

    def close() -> None:
        if group:
            start = max(group[0].start, cues[-1].end if cues else 0.0)
            end = max(group[-1].end, start + 0.5)
            cues.append(caption_files.Cue(start, end, " ".join(w.text for w in group)))
            group.clear()

    for word in words:
        if group and (
            word.start - group[-1].end > CUE_PAUSE
            or word.end - group[0].start > CUE_MAX_SECONDS
            or sum(len(w.text) + 1 for w in group) + len(word.text) > CUE_MAX_CHARS
        ):
            close()
        group.append(word)
    close()
    return cues


def label_for(language: str) -> str:
    """What the player's caption menu shows: the language's name, marked automatic."""
    try:
        name = get_language_info(language.lower())["name"]
    except KeyError:
        try:
            name = get_language_info(language.split("-")[0].lower())["name"]
        except KeyError:
            name = language
    return f"{name} (automatic)"[:60]


# ---------------------------------------------------------------- state, the worker's job, retry


def transcription_of(video: Video) -> Transcription | None:
    try:
        return video.transcription
    except Transcription.DoesNotExist:
        return None


def _publish(row: Transcription) -> None:
    event: VideoCaptionsEvent = {
        "type": "video.captions", "video": row.video_id, "status": row.status, "percent": row.progress,
        "error": row.error, "language": row.language,
    }  # fmt: skip
    publish("video", row.video_id, event)


def _set(row: Transcription, **changes) -> None:
    """Change the state and tell the video's watchers (after commit, as every live event)."""
    with transaction.atomic():
        for name, value in changes.items():
            setattr(row, name, value)
        row.save(update_fields=[*changes, "updated_at"])
        _publish(row)


def _queue(row: Transcription) -> None:
    from .tasks import transcribe_video

    transaction.on_commit(lambda: transcribe_video.using(priority=PRIORITY).enqueue(row.video_id))


def queue_after_processing(video: Video, *, has_audio: bool) -> Transcription | None:
    """Called by `video_process` once the video is ready: queue recognition, or say why there is none.

    Nothing when the setting is off. A video without a sound track ends as "no speech" at once;
    one whose captions in the language were uploaded already is skipped.
    """
    if not settings.VIDEO_SPEECH_ENABLED:
        return None
    language = settings.VIDEO_SPEECH_LANGUAGE
    row, _ = Transcription.objects.update_or_create(
        video=video, defaults={"language": language, "status": Transcription.Status.QUEUED, "progress": 0,
                               "error": "", "words": 0},
    )  # fmt: skip
    if not has_audio:
        _set(row, status=Transcription.Status.NO_SPEECH, error="The video has no sound track.")
    elif Caption.objects.filter(video=video, language=language, is_automatic=False).exists():
        _set(row, status=Transcription.Status.SKIPPED)
    else:
        _queue(row)
        _publish(row)
    return row


def transcribe(*, video_id: int) -> Transcription | None:
    """The worker's job: hear the video's sound, store the automatic track; `failed` with the reason otherwise."""
    with transaction.atomic():  # claim the job: a second worker (or a duplicate task) leaves it alone
        row = (
            Transcription.objects.select_for_update(of=("self",))
            .select_related("video")
            .filter(video_id=video_id, status__in=[Transcription.Status.QUEUED, Transcription.Status.RUNNING])
            .first()
        )
        if row is None or (row.status == Transcription.Status.RUNNING and not row.is_stuck):
            return None
        video = row.video
        if video.deleted_at is not None or video.status != Video.Status.READY:
            return None
        if not settings.VIDEO_SPEECH_ENABLED:  # turned off since it was queued: no job, the state says "off"
            row.delete()
            return None
        if Caption.objects.filter(video=video, language=row.language, is_automatic=False).exists():
            _set(row, status=Transcription.Status.SKIPPED, progress=100)
            return row
        _set(row, status=Transcription.Status.RUNNING, progress=0, error="")
    last = [0]

    def progress(seconds: float) -> None:
        percent = min(99, int(seconds / video.duration * 100)) if video.duration else 0
        if percent >= last[0] + 5:
            last[0] = percent
            _set(row, progress=percent)

    from .services import media_path, store_caption

    try:
        words = recognise(media_path(video.fallback_mp4), language=row.language, on_seconds=progress)
    except Exception as error:  # the uploader sees the reason and retries; the worker carries on
        logger.warning("speech recognition of video %s failed", video.pk, exc_info=True)
        reason = error.detail if isinstance(error, Unavailable) else str(error)[-300:] or type(error).__name__
        _set(row, status=Transcription.Status.FAILED, error=reason)
        return row
    if not words:
        _set(row, status=Transcription.Status.NO_SPEECH, progress=100, error="No speech was heard in the video.")
        return row
    with transaction.atomic():
        human = Caption.objects.select_for_update().filter(video=video, language=row.language, is_automatic=False)
        if human.exists():  # the uploader's own captions came first: never overwrite them
            _set(row, status=Transcription.Status.SKIPPED, progress=100)
            return row
        store_caption(
            video=video, language=row.language, label=label_for(row.language), cues=cues_from(words), is_automatic=True
        )
        _set(row, status=Transcription.Status.DONE, progress=100, words=len(words))
    return row


def transcription_retry(*, acting_user: User, video_id: object) -> Transcription:
    """The uploader or a manager runs recognition again after it failed, or after its worker died."""
    video = access_video(acting_user, video_id)
    require_change_video(acting_user, video)
    if not settings.VIDEO_SPEECH_ENABLED:
        raise Conflict("speech_disabled", "Automatic captions are turned off on this server.")
    row = transcription_of(video)
    if row is None or not (row.status == Transcription.Status.FAILED or row.is_stuck):
        raise Conflict("not_failed", "Only automatic captions that failed (or got stuck) can be tried again.")
    with transaction.atomic():
        _set(row, status=Transcription.Status.QUEUED, progress=0, error="", language=settings.VIDEO_SPEECH_LANGUAGE)
        _queue(row)
    return row


def state_of(video: Video) -> dict:
    """What the page and the API show: the job's state, or `none`/`off` when there is no job."""
    row = transcription_of(video)
    if row is None:
        status = "none" if settings.VIDEO_SPEECH_ENABLED else "off"
        return {"status": status, "percent": 0, "error": "", "language": settings.VIDEO_SPEECH_LANGUAGE, "words": 0}
    return {"status": row.status, "percent": row.progress, "error": row.error, "language": row.language,
            "words": row.words}  # fmt: skip
