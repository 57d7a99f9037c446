"""Automatic captions: real speech from espeak-ng, muxed into a clip with ffmpeg, heard by the real
worker (PocketSphinx) on the real database backend; a silent clip gets no track; failures, retry,
corrections, the setting that turns it off, and the permission matrix over the new routes and the
generated track's file."""

import re
import shutil
import subprocess
from itertools import pairwise
from pathlib import Path

import pytest

from apps.videos import captions as caption_files
from apps.videos import services, speech
from apps.videos.models import Caption, Transcription, Video
from tests.matrix import cases, check, matrix
from tests.matrix import expect as S
from tests.videos.conftest import make_video, ready_video

pytestmark = pytest.mark.django_db

SENTENCE = "Welcome to the sales team. Today we talk about the customer and the price."
# PocketSphinx hears espeak-ng's voice imperfectly: half of these is enough to prove it listened.
DISTINCTIVE = {"welcome", "talk", "customer", "price"}


def _run(*args: str) -> None:
    subprocess.run(args, check=True, capture_output=True, timeout=60)


@pytest.fixture(scope="session")
def spoken(tmp_path_factory) -> dict[str, Path]:
    """A ~5 s clip of a test pattern with a spoken sentence, and a 2 s one with digital silence."""
    assert shutil.which("espeak-ng"), "espeak-ng is missing: `make espeak-ng` installs it"
    folder = tmp_path_factory.mktemp("spoken")
    voice = folder / "voice.wav"
    _run("espeak-ng", "-v", "en-us", "-s", "140", "-w", str(voice), SENTENCE)
    made = {"speech": folder / "speech.mp4", "silence": folder / "silence.mp4"}
    video = ["-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25"]
    encode = ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest"]
    _run("ffmpeg", "-nostdin", "-y", "-v", "error", *video, "-i", str(voice), *encode, str(made["speech"]))
    silence = ["-f", "lavfi", "-i", "anullsrc=r=44100:cl=mono", "-t", "2"]
    _run("ffmpeg", "-nostdin", "-y", "-v", "error", *video, *silence, *encode, str(made["silence"]))
    return made


@pytest.fixture
def speech_on(settings):
    settings.VIDEO_SPEECH_ENABLED = True
    settings.VIDEO_SPEECH_LANGUAGE = "en"
    settings.VIDEO_SPEECH_MODEL = ""


@pytest.mark.django_db(transaction=True)  # the worker commits, as in production
def test_the_worker_captions_speech_after_transcoding_and_gives_a_silent_video_no_track(
    member, department, spoken, settings, speech_on, run_worker, client_as
):
    talk = make_video(member, department, spoken["speech"], process=False, title="Pricing call")
    quiet = make_video(member, department, spoken["silence"], process=False, title="A quiet clip")
    run_worker()  # transcodes both, then (at a lower priority) hears both

    talk.refresh_from_db()
    assert talk.status == Video.Status.READY
    job = Transcription.objects.get(video=talk)
    assert (job.status, job.progress, job.language, job.error) == ("done", 100, "en", "") and job.words > 3
    caption = Caption.objects.get(video=talk)
    assert caption.is_automatic and caption.language == "en" and caption.label == "English (automatic)"
    cues = caption_files.parse((Path(settings.MEDIA_ROOT) / talk.folder / "captions/en.1.vtt").read_bytes())
    assert cues and all(cue.start < cue.end for cue in cues)
    assert all(before.end <= after.start for before, after in pairwise(cues))  # in order
    assert cues[-1].end <= talk.duration + 0.5
    heard = set(re.findall(r"[a-z']+", caption.text.lower()))
    assert len(heard & DISTINCTIVE) >= 2, f"heard only: {caption.text!r}"
    page = client_as("member").get(f"/videos/{talk.pk}/").content.decode()
    assert 'label="English (automatic)"' in page and "made by speech recognition" in page
    assert cues[0].text in page  # the transcript beside the player is the recognised text
    word = sorted(heard & DISTINCTIVE)[0]
    found = client_as("colleague").get(f"/api/v1/videos/?q={word}").json()["results"]
    assert [v["id"] for v in found] == [talk.pk]  # the transcript is searchable

    quiet_job = Transcription.objects.get(video=quiet)
    assert quiet_job.status == "no_speech" and "No speech" in quiet_job.error
    assert not Caption.objects.filter(video=quiet).exists()  # no empty track
    api = client_as("member").get(f"/api/v1/videos/{quiet.pk}/auto-captions/").json()
    assert api["status"] == "no_speech" and api["words"] == 0
    assert "No automatic captions." in client_as("member").get(f"/videos/{quiet.pk}/").content.decode()


def test_a_failure_shows_its_reason_and_the_uploader_can_retry(
    member, department, clips, processed, settings, speech_on, client_as, django_capture_on_commit_callbacks
):
    video = ready_video(member, department, clips, processed)
    settings.VIDEO_SPEECH_LANGUAGE = "fr"  # no French model is installed: a clear reason, no crash
    speech.queue_after_processing(video, has_audio=True)
    job = speech.transcribe(video_id=video.pk)
    assert job.status == "failed" and "VIDEO_SPEECH_MODEL" in job.error and not video.captions.exists()
    page = client_as("member").get(f"/videos/{video.pk}/").content.decode()
    assert "Automatic captions failed: No speech model for" in page and "Recognise the speech again" in page
    colleague_page = client_as("colleague").get(f"/videos/{video.pk}/").content.decode()
    assert "Automatic captions failed" in colleague_page and "Recognise the speech again" not in colleague_page

    settings.VIDEO_SPEECH_LANGUAGE = "en"
    with django_capture_on_commit_callbacks(execute=True):
        answer = client_as("member").post(f"/api/v1/videos/{video.pk}/auto-captions/")
    assert answer.status_code == 200 and answer.json()["status"] == "queued" and answer.json()["language"] == "en"
    from django_tasks_db.models import DBTaskResult

    queued = DBTaskResult.objects.filter(task_path="apps.videos.tasks.transcribe_video", status="READY")
    assert queued.count() == 1 and queued.get().priority == speech.PRIORITY
    again = client_as("member").post(f"/api/v1/videos/{video.pk}/auto-captions/")
    assert again.status_code == 409 and again.json()["code"] == "not_failed"


def test_uploaded_captions_come_first_and_a_correction_is_no_longer_automatic(
    member, department, clips, processed, speech_on, client_as
):
    video = ready_video(member, department, clips, processed)
    services.store_caption(
        video=video, language="en", label="English (automatic)", is_automatic=True,
        cues=[caption_files.Cue(0.0, 1.0, "welcome to the sails team")],
    )  # fmt: skip
    listed = client_as("colleague").get(f"/api/v1/videos/{video.pk}/captions/").json()
    assert [(c["label"], c["is_automatic"]) for c in listed] == [("English (automatic)", True)]
    editor = client_as("member").get(f"/videos/{video.pk}/").content.decode()
    assert "welcome to the sails team" in editor and "Correct them in the caption editor" in editor
    corrected = "WEBVTT\n\n00:00:00.000 --> 00:00:01.000\nWelcome to the sales team.\n"
    client_as("member").post(f"/videos/{video.pk}/captions/", {"language": "en", "label": "English", "vtt": corrected})
    caption = video.captions.get()
    assert (caption.is_automatic, caption.label, caption.revision) == (False, "English", 2)
    assert caption.text == "Welcome to the sales team."
    # A new processing run (a retry) now leaves the person's captions alone.
    job = speech.queue_after_processing(video, has_audio=True)
    assert job.status == "skipped" and speech.transcribe(video_id=video.pk) is None
    assert video.captions.get().revision == 2


def test_a_job_whose_worker_died_can_be_retried_but_not_one_still_running(
    member, department, clips, processed, speech_on, client_as
):
    from datetime import timedelta

    from django.utils import timezone

    video = ready_video(member, department, clips, processed)
    Transcription.objects.create(video=video, language="en", status="running", progress=40)
    url = f"/api/v1/videos/{video.pk}/auto-captions/"
    assert client_as("member").post(url).status_code == 409
    assert speech.transcribe(video_id=video.pk) is None  # a duplicate task leaves a live job alone
    Transcription.objects.update(updated_at=timezone.now() - timedelta(hours=1))
    assert "No progress for a long while." in client_as("member").get(f"/videos/{video.pk}/").content.decode()
    answer = client_as("member").post(url)
    assert answer.status_code == 200 and answer.json()["status"] == "queued"


def test_turned_off_by_the_setting_nothing_is_queued_and_retry_says_why(
    member, department, clips, processed, settings, client_as
):
    settings.VIDEO_SPEECH_ENABLED = False
    video = ready_video(member, department, clips, processed)
    assert speech.queue_after_processing(video, has_audio=True) is None
    assert not Transcription.objects.exists()
    assert client_as("member").get(f"/api/v1/videos/{video.pk}/auto-captions/").json()["status"] == "off"
    answer = client_as("member").post(f"/api/v1/videos/{video.pk}/auto-captions/")
    assert answer.status_code == 409 and answer.json()["code"] == "speech_disabled"
    Transcription.objects.create(video=video, language="en")  # queued before it was turned off
    assert speech.transcribe(video_id=video.pk) is None and not Transcription.objects.exists()


def test_a_video_without_a_sound_track_ends_as_no_speech_at_once(member, department, clips, processed, speech_on):
    video = ready_video(member, department, clips, processed)
    job = speech.queue_after_processing(video, has_audio=False)
    assert job.status == "no_speech" and job.error == "The video has no sound track."


def test_music_is_not_taken_for_speech(tmp_path):
    melody = tmp_path / "melody.wav"  # a tune of four notes over a drone: no words in it
    tune = "0.3*sin(2*PI*(220+110*floor(mod(t*2,4)))*t)+0.2*sin(2*PI*330*t)"
    _run("ffmpeg", "-nostdin", "-y", "-v", "error", "-f", "lavfi", "-i", f"aevalsrc='{tune}':d=2.5", str(melody))
    assert speech.recognise(melody, language="en") == []


def test_words_become_ordered_cues_split_at_pauses_and_length():
    words = [speech.Word(w, s, s + 0.3, 0.9) for w, s in [("hello", 0.0), ("there", 0.4), ("next", 2.0)]]
    words += [speech.Word(f"w{i}", 3.0 + i * 0.35, 3.3 + i * 0.35, 0.9) for i in range(20)]
    cues = speech.cues_from(words)
    assert cues[0] == caption_files.Cue(0.0, 0.7, "hello there")  # the pause before "next" closes it
    assert cues[1].text.startswith("next") and all(c.end - c.start <= speech.CUE_MAX_SECONDS for c in cues)
    assert all(before.end <= after.start for before, after in pairwise(cues))
    assert " ".join(c.text for c in cues).split() == [w.text for w in words]
    assert speech.label_for("en") == "English (automatic)" and speech.label_for("de-CH") == "German (automatic)"


# ---------------------------------------------------------------- permissions


@pytest.fixture
def world(member, department, clips, processed, settings, speech_on):
    """A video whose automatic captions were made once, then failed on a second run."""
    video = ready_video(member, department, clips, processed)
    caption = services.store_caption(
        video=video, language="en", label="English (automatic)", is_automatic=True,
        cues=[caption_files.Cue(0.0, 1.0, "welcome to the team")],
    )  # fmt: skip
    Transcription.objects.create(video=video, language="en", status="failed", error="ffmpeg could not read the sound")
    return {"video": video.pk, "auto_caption": f"/media/{caption.file_name}"}


ROUTES = matrix(
    ("get", "{auto_caption}", None, S(302, 404, 200, 200, 404)),
    ("post", "/videos/{video}/captions/recognise/", None, S(302, 404, 302, 302, 404)),
    ("get", "/api/v1/videos/{video}/auto-captions/", None, S(401, 404, 200, 200, 404)),
    ("post", "/api/v1/videos/{video}/auto-captions/", None, S(401, 404, 200, 200, 404)),
)


@pytest.mark.parametrize(("route", "role"), cases(ROUTES))
def test_automatic_captions_follow_the_videos_rights(client_as, world, route, role):
    check(client_as, world, route, role)


def test_only_the_uploader_and_managers_may_retry(client_as, world):
    answer = client_as("colleague").post(f"/api/v1/videos/{world['video']}/auto-captions/")
    assert answer.status_code == 403 and answer.json()["code"] == "not_yours"
    assert Transcription.objects.get().status == "failed"
