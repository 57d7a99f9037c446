"""ffprobe and ffmpeg: what a file is (by its content, never its name) and what we make of it.

`probe` decides whether an upload is a video we accept, before anything is transcoded.
`transcode` runs in the worker only: an H.264/AAC HLS ladder (never above the source),
a fallback MP4 with `faststart`, a poster frame and a thumbnail sprite with its WebVTT index.
"""

import json
import math
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from apps.core.errors import Invalid, Unavailable

# Heights of the ladder, highest first, with the video bit rate of each (kbit/s).
LADDER = [(1080, 5000), (720, 2800), (480, 1400), (360, 800), (180, 300)]
MAX_RENDITIONS = 3
AUDIO_KBPS = 96
SEGMENT_SECONDS = 4
SPRITE_COLUMNS = 10
SPRITE_WIDTH = 160
# Formats ffprobe reports for still images: a picture renamed .mp4 is refused by this, not by its name.
IMAGE_FORMATS = {"image2", "png_pipe", "jpeg_pipe", "webp_pipe", "gif", "bmp_pipe", "tiff_pipe", "svg_pipe"}
IMAGE_CODECS = {"png", "mjpeg", "webp", "gif", "bmp", "tiff", "jpeg2000"}


def ffmpeg_path() -> str:
    found = shutil.which("ffmpeg")
    if not found:
        raise Unavailable("ffmpeg_missing", "ffmpeg is not installed on the server (make ffmpeg).")
    return found


def ffprobe_path() -> str:
    found = shutil.which("ffprobe")
    if not found:
        raise Unavailable("ffmpeg_missing", "ffprobe is not installed on the server (make ffmpeg).")
    return found


@dataclass(frozen=True)
class Probe:
    duration: float
    width: int
    height: int
    fps: float
    has_audio: bool
    format_name: str


def _fps(rate: str) -> float:
    num, _, den = (rate or "0/1").partition("/")
    try:
        return float(num) / float(den or 1) if float(den or 1) else 0.0
    except ValueError:
        return 0.0


def probe(path: Path) -> Probe:
    """What the file is, from its bytes, or `Invalid` with a message the uploader understands."""
    try:
        result = subprocess.run(  # noqa: S603  (a list of arguments, no shell: a file name cannot inject)
            [ffprobe_path(), "-v", "error", "-print_format", "json", "-show_format", "-show_streams", str(path)],
            capture_output=True,
            timeout=60,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise Invalid.field("file", "The file could not be read in time.", code="video_unreadable") from None
    if result.returncode != 0:
        raise Invalid.field(
            "file", "This file is not a video we can read (it may be corrupt or cut short).", code="not_a_video"
        )
    info = json.loads(result.stdout or b"{}")
    fmt = info.get("format", {})
    streams = info.get("streams", [])
    videos = [s for s in streams if s.get("codec_type") == "video" and not s.get("disposition", {}).get("attached_pic")]
    if fmt.get("format_name") in IMAGE_FORMATS or (videos and all(s.get("codec_name") in IMAGE_CODECS for s in videos)):
        raise Invalid.field("file", "This is an image, not a video.", code="not_a_video")
    if not videos:
        raise Invalid.field("file", "This file has no video stream (is it only sound?).", code="no_video_stream")
    if len(streams) > settings.VIDEO_MAX_STREAMS:
        raise Invalid.field(
            "file",
            f"The file has {len(streams)} streams; at most {settings.VIDEO_MAX_STREAMS}.",
            code="too_many_streams",
        )
    stream = videos[0]
    try:
        duration = float(fmt.get("duration") or stream.get("duration") or 0)
    except ValueError:
        duration = 0.0
    if not duration or not math.isfinite(duration) or duration <= 0:
        raise Invalid.field("file", "The video has no duration (it may be cut short).", code="video_unreadable")
    if duration > settings.VIDEO_MAX_SECONDS:
        raise Invalid.field(
            "file", f"The video is longer than {settings.VIDEO_MAX_SECONDS // 60} minutes.", code="video_too_long"
        )
    width, height = int(stream.get("width") or 0), int(stream.get("height") or 0)
    if not width or not height:
        raise Invalid.field("file", "The video has no picture size.", code="video_unreadable")
    if width > settings.VIDEO_MAX_WIDTH or height > settings.VIDEO_MAX_HEIGHT:
        raise Invalid.field(
            "file",
            f"The video is {width}×{height}; at most {settings.VIDEO_MAX_WIDTH}×{settings.VIDEO_MAX_HEIGHT}.",
            code="video_too_large",
        )
    fps = _fps(stream.get("avg_frame_rate")) or _fps(stream.get("r_frame_rate"))
    if fps > settings.VIDEO_MAX_FPS:
        raise Invalid.field(
            "file", f"The video has {fps:.0f} frames a second; at most {settings.VIDEO_MAX_FPS}.", code="video_too_fast"
        )
    has_audio = any(s.get("codec_type") == "audio" for s in streams)
    return Probe(duration, width, height, fps, has_audio, fmt.get("format_name", ""))


def ladder_for(height: int) -> list[tuple[int, int]]:
    """The renditions for a source `height`: up to three rungs, never above the source."""
    rungs = [(h, kbps) for h, kbps in LADDER if h <= height][:MAX_RENDITIONS]
    return rungs or [(height - height % 2, LADDER[-1][1])]


def _even(value: float) -> int:
    return max(2, round(value / 2) * 2)


def transcode(source: Path, out: Path, info: Probe, *, on_progress: Callable[[int], None]) -> list[dict]:
    """Write the HLS ladder, the MP4, the poster and the sprite under `out`; returns the renditions.

    One ffmpeg process decodes the source once and encodes every output, reporting its
    position on stdout (`-progress`), turned into a percent for `on_progress`.
    """
    preset = settings.VIDEO_FFMPEG_PRESET
    rungs = ladder_for(info.height)
    hls = out / "hls"
    command = [ffmpeg_path(), "-nostdin", "-y", "-v", "error", "-progress", "pipe:1", "-i", str(source)]
    renditions = []
    gop = max(1, round((info.fps or 25) * SEGMENT_SECONDS / 2))
    audio = ["-c:a", "aac", "-b:a", f"{AUDIO_KBPS}k", "-ac", "2"] if info.has_audio else ["-an"]
    for height, kbps in rungs:
        width = _even(info.width * height / info.height)
        folder = hls / str(height)
        folder.mkdir(parents=True, exist_ok=True)
        command += ["-map", "0:v:0"] + (["-map", "0:a:0"] if info.has_audio else [])
        command += ["-vf", f"scale={width}:{height}", "-c:v", "libx264", "-preset", preset, "-profile:v", "main"]
        command += ["-pix_fmt", "yuv420p", "-b:v", f"{kbps}k", "-maxrate", f"{int(kbps * 1.2)}k"]
        command += ["-bufsize", f"{kbps * 2}k", "-g", str(gop), "-keyint_min", str(gop), "-sc_threshold", "0"]
        command += audio
        command += ["-f", "hls", "-hls_time", str(SEGMENT_SECONDS), "-hls_playlist_type", "vod"]
        command += ["-hls_segment_filename", str(folder / "seg_%04d.ts"), str(folder / "index.m3u8")]
        renditions.append({"height": height, "width": width, "bandwidth": (kbps + AUDIO_KBPS) * 1000})
    top_height = rungs[0][0]
    command += ["-map", "0:v:0"] + (["-map", "0:a:0"] if info.has_audio else [])
    command += ["-vf", f"scale={_even(info.width * top_height / info.height)}:{top_height}", "-c:v", "libx264"]
    command += ["-preset", preset, "-crf", "23", "-pix_fmt", "yuv420p", *audio]
    command += ["-movflags", "+faststart", str(out / "video.mp4")]
    _run_with_progress(command, info.duration, on_progress)
    _write_master(hls, renditions, has_audio=info.has_audio)
    return renditions


def _run_with_progress(command: list[str], duration: float, on_progress: Callable[[int], None]) -> None:
    process = subprocess.Popen(  # noqa: S603  (a list of arguments, no shell)
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    last = -1
    assert process.stdout is not None
    for line in process.stdout:
        key, _, value = line.strip().partition("=")
        if key == "out_time_us" and value.isdigit() and duration:
            percent = min(99, int(int(value) / 1e6 / duration * 100))
            if percent >= last + 5:
                last = percent
                on_progress(percent)
    stderr = process.stderr.read() if process.stderr else ""
    if process.wait() != 0:
        raise RuntimeError(f"ffmpeg failed: {stderr.strip()[-500:]}")


def _write_master(hls: Path, renditions: list[dict], *, has_audio: bool) -> None:
    codecs = "avc1.4d401f,mp4a.40.2" if has_audio else "avc1.4d401f"
    lines = ["#EXTM3U", "#EXT-X-VERSION:3"]
    for r in renditions:
        lines.append(
            f'#EXT-X-STREAM-INF:BANDWIDTH={r["bandwidth"]},RESOLUTION={r["width"]}x{r["height"]},CODECS="{codecs}"'
        )
        lines.append(f"{r['height']}/index.m3u8")
    (hls / "master.m3u8").write_text("\n".join(lines) + "\n")


def poster(source: Path, out: Path, info: Probe) -> None:
    at = min(1.0, info.duration / 3)
    height = min(info.height, 720)
    subprocess.run(  # noqa: S603  (a list of arguments, no shell: a file name cannot inject)
        [ffmpeg_path(), "-nostdin", "-y", "-v", "error", "-ss", f"{at:.2f}", "-i", str(source), "-frames:v", "1",
         "-vf", f"scale=-2:{height}", "-q:v", "4", str(out / "poster.jpg")],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip


def sprite(source: Path, out: Path, info: Probe) -> bool:
    """A grid of small frames and `thumbs.vtt` mapping each time range to its tile (seek-bar previews)."""
    interval = max(1.0, info.duration / 100)  # at most ~100 tiles, whatever the length
    count = max(1, math.ceil(info.duration / interval))
    rows = math.ceil(count / SPRITE_COLUMNS)
    tile_height = _even(SPRITE_WIDTH * info.height / info.width)
    subprocess.run(  # noqa: S603  (a list of arguments, no shell: a file name cannot inject)
        [ffmpeg_path(), "-nostdin", "-y", "-v", "error", "-i", str(source),
         "-vf", f"fps=1/{interval:.3f},scale={SPRITE_WIDTH}:{tile_height},tile={SPRITE_COLUMNS}x{rows}",
         "-frames:v", "1", "-q:v", "5", str(out / "sprite.jpg")],
        check=True, capture_output=True, timeout=600,
    )  # fmt: skip
    lines = ["WEBVTT", ""]
    for index in range(count):
        start, end = index * interval, min(info.duration, (index + 1) * interval)
        x, y = (index % SPRITE_COLUMNS) * SPRITE_WIDTH, (index // SPRITE_COLUMNS) * tile_height
        lines += [f"{_stamp(start)} --> {_stamp(end)}", f"sprite.jpg#xywh={x},{y},{SPRITE_WIDTH},{tile_height}", ""]
    (out / "thumbs.vtt").write_text("\n".join(lines))
    return True


def _stamp(seconds: float) -> str:
    whole = int(seconds)
    return f"{whole // 3600:02d}:{whole % 3600 // 60:02d}:{whole % 60:02d}.{int((seconds - whole) * 1000):03d}"
