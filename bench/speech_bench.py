#!/usr/bin/env python3
"""Automatic captions' speed: PocketSphinx through the worker's own `speech.recognise`, as a
multiple of real time, for a 10 s and a 60 s clip of speech (espeak-ng, muxed into an H.264/AAC
MP4 like the worker's fallback MP4), median of BENCH_RUNS.

Baselines in the same run, on the same files: ffmpeg decoding the sound to PCM alone (the floor
under recognition), and the same length of silence through `recognise` (the endpointer skips
it: what a video without speech costs).

    .venv/bin/python bench/speech_bench.py          # BENCH_RUNS=3 BENCH_LENGTHS=10,60

× real time is audio seconds / wall seconds (above 1: faster than the video plays). CPU seconds
count this process and its ffmpeg children, so they depend less on the other load on the box.
"""

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "intranet.settings")
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
LENGTHS = [int(n) for n in os.environ.get("BENCH_LENGTHS", "10,60").split(",")]
TEXT = (
    "Welcome to the sales team. Today we talk about the customer and the price. "
    "When a customer calls, we answer the phone before the third ring and say our name. "
    "We listen first, then we write down what the customer needs, and we promise a date. "
    "Every Friday the manager reads the notes and calls back the customers who waited too long. "
)


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-nostdin", "-y", "-v", "error", *args], check=True, timeout=600)


def make_clips(folder: Path, seconds: int) -> dict[str, Path]:
    voice = folder / "voice.wav"
    subprocess.run(["espeak-ng", "-v", "en-us", "-s", "150", "-w", str(voice), TEXT], check=True)
    picture = ["-f", "lavfi", "-i", f"testsrc2=size=320x180:rate=25:duration={seconds}"]
    encode = ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-t", str(seconds)]
    clips = {"speech": folder / f"speech{seconds}.mp4", "silence": folder / f"silence{seconds}.mp4"}
    ffmpeg(*picture, "-stream_loop", "-1", "-i", str(voice), *encode, str(clips["speech"]))
    ffmpeg(*picture, "-f", "lavfi", "-i", "anullsrc=r=44100:cl=mono", *encode, str(clips["silence"]))
    return clips


def timed(work) -> tuple[float, float, object]:
    before, started = os.times(), time.perf_counter()
    result = work()
    wall, after = time.perf_counter() - started, os.times()
    cpu = sum(getattr(after, f) - getattr(before, f) for f in ("user", "system", "children_user", "children_system"))
    return wall, cpu, result


def main() -> None:
    import django

    django.setup()
    from apps.videos import speech

    def decode_only(path: Path):
        return sum(len(chunk) for chunk in speech.audio_chunks(path))

    rows = []
    print(f"load average before: {os.getloadavg()}", flush=True)
    with tempfile.TemporaryDirectory() as scratch:
        for seconds in LENGTHS:
            clips = make_clips(Path(scratch), seconds)
            cases = {
                "ffmpeg decode to PCM only (floor)": lambda c=clips: decode_only(c["speech"]),
                "recognise speech (the worker's step)": lambda c=clips: speech.recognise(c["speech"], language="en"),
                "recognise silence (skipped by VAD)": lambda c=clips: speech.recognise(c["silence"], language="en"),
            }
            for name, work in cases.items():
                walls, cpus, words = [], [], None
                for _ in range(RUNS):
                    wall, cpu, result = timed(work)
                    walls.append(wall)
                    cpus.append(cpu)
                    words = len(result) if isinstance(result, list) else None
                wall, cpu = statistics.median(walls), statistics.median(cpus)
                rows.append((seconds, name, wall, seconds / wall, cpu, seconds / cpu, words, walls))
                print(f"{seconds:>3} s  {name:<42} wall {wall:6.2f} s ({seconds / wall:5.2f}× real time)  "
                      f"cpu {cpu:6.2f} s ({seconds / cpu:5.2f}×)  words {words}  runs {[round(w, 2) for w in walls]}",
                      flush=True)  # fmt: skip
    print(f"load average after: {os.getloadavg()}")
    print("\n| clip | what | wall (median) | × real time | CPU s | × real time per CPU | words | runs (s) |")
    print("|---|---|---:|---:|---:|---:|---:|---|")
    for seconds, name, wall, rt, cpu, rt_cpu, words, walls in rows:
        print(f"| {seconds} s | {name} | {wall:.2f} s | {rt:.2f} | {cpu:.2f} | {rt_cpu:.2f} | "
              f"{'' if words is None else words} | {', '.join(f'{w:.1f}' for w in walls)} |")  # fmt: skip


if __name__ == "__main__":
    main()
