// The video page: HLS playback (native where the browser has it, else the vendored hls.js),
// resume, speed, keyboard, transcript and chapters that seek, seek-bar previews from the
// thumbnail sprite, progress reports for completion, and live processing progress over /ws/.
import { request } from "./http.js";
import { on } from "./socket.js";
import { watch } from "./topics.js";

const article = document.querySelector("[data-video]");
const videoId = article && article.dataset.video;

if (article && article.dataset.status === "processing") {
  const bar = article.querySelector("#processing-progress");
  const label = article.querySelector("[data-processing-percent]");
  on("video.progress", (frame) => {
    if (String(frame.video) !== videoId) return;
    bar.value = frame.percent;
    label.textContent = `${frame.percent} %`;
    if (frame.status !== "processing") window.location.reload();
  });
  watch(`video:${videoId}`);
}

const video = article && article.querySelector("video");
if (video) {
  const source = video.dataset.hls;
  if (video.canPlayType("application/vnd.apple.mpegurl")) {
    video.src = source;
  } else if (window.Hls && window.Hls.isSupported()) {
    // No worker: a blob: worker would need a CSP exception; segments are small enough for the main thread.
    const hls = new window.Hls({ enableWorker: false, xhrSetup: (xhr) => { xhr.withCredentials = true; } });
    hls.loadSource(source);
    hls.attachMedia(video);
  } else {
    video.src = video.dataset.mp4;
  }
  const resume = parseFloat(video.dataset.resume || "0");
  if (resume > 1) video.addEventListener("loadedmetadata", () => { video.currentTime = resume; }, { once: true });

  const seekTo = (seconds) => {
    video.currentTime = Math.max(0, Math.min(seconds, video.duration || seconds));
    video.focus();
  };
  for (const button of document.querySelectorAll("[data-start]")) {
    button.addEventListener("click", () => seekTo(parseFloat(button.dataset.start)));
  }

  const speed = document.querySelector("[data-speed]");
  speed.addEventListener("change", () => { video.playbackRate = parseFloat(speed.value); });

  // Keyboard controls on the player (YouTube's keys), leaving form fields alone.
  document.addEventListener("keydown", (event) => {
    if (event.target.closest("input, textarea, select, button") || event.ctrlKey || event.metaKey || event.altKey) return;
    const keys = {
      " ": () => (video.paused ? video.play() : video.pause()),
      k: () => (video.paused ? video.play() : video.pause()),
      j: () => seekTo(video.currentTime - 10),
      l: () => seekTo(video.currentTime + 10),
      ArrowLeft: () => seekTo(video.currentTime - 5),
      ArrowRight: () => seekTo(video.currentTime + 5),
      f: () => (document.fullscreenElement ? document.exitFullscreen() : video.requestFullscreen()),
      c: () => {
        const track = video.textTracks[0];
        if (track) track.mode = track.mode === "showing" ? "hidden" : "showing";
      },
    };
    if (keys[event.key]) {
      event.preventDefault();
      keys[event.key]();
    }
  });

  // The seek bar beside the native controls, with previews from the sprite's WebVTT index.
  const seek = document.querySelector("[data-seek]");
  const preview = document.querySelector("[data-seek-preview]");
  video.addEventListener("timeupdate", () => { seek.value = video.currentTime; });
  seek.addEventListener("input", () => seekTo(parseFloat(seek.value)));
  if (seek.dataset.thumbnails) {
    fetch(seek.dataset.thumbnails, { credentials: "same-origin" })
      .then((response) => (response.ok ? response.text() : ""))
      .then((text) => {
        const base = seek.dataset.thumbnails.replace(/[^/]*$/, "");
        const tiles = [];
        for (const block of text.split(/\n\n+/)) {
          const match = block.match(/([\d:.]+) --> ([\d:.]+)\n(\S+)#xywh=(\d+),(\d+),(\d+),(\d+)/);
          if (match) tiles.push({ start: toSeconds(match[1]), end: toSeconds(match[2]), url: base + match[3], x: match[4], y: match[5], w: match[6], h: match[7] });
        }
        seek.addEventListener("mousemove", (event) => {
          const rect = seek.getBoundingClientRect();
          const at = ((event.clientX - rect.left) / rect.width) * parseFloat(seek.max);
          const tile = tiles.find((t) => at >= t.start && at < t.end) || tiles[tiles.length - 1];
          if (!tile) return;
          preview.hidden = false;
          preview.style.width = `${tile.w}px`;
          preview.style.height = `${tile.h}px`;
          preview.style.left = `${Math.max(0, event.clientX - rect.left - tile.w / 2)}px`;
          preview.style.backgroundImage = `url("${tile.url}")`;
          preview.style.backgroundPosition = `-${tile.x}px -${tile.y}px`;
        });
        seek.addEventListener("mouseleave", () => { preview.hidden = true; });
      });
  }

  // Transcript: the current line is highlighted; the search box filters lines.
  const lines = [...document.querySelectorAll("[data-transcript] li")];
  video.addEventListener("timeupdate", () => {
    for (const line of lines) {
      const start = parseFloat(line.querySelector("[data-start]").dataset.start);
      const next = line.nextElementSibling && parseFloat(line.nextElementSibling.querySelector("[data-start]").dataset.start);
      line.classList.toggle("active", video.currentTime >= start && (!next || video.currentTime < next));
    }
  });
  const search = document.querySelector("[data-transcript-search]");
  if (search) {
    search.addEventListener("input", () => {
      const q = search.value.trim().toLowerCase();
      for (const line of lines) line.hidden = q !== "" && !line.textContent.toLowerCase().includes(q);
    });
  }

  // Progress reports: every few seconds while playing, and on pause; the server counts only plausible watching.
  const state = document.querySelector("[data-watch-state]");
  let lastSent = -1;
  let inFlight = Promise.resolve();
  const send = async (position) => {
    const { ok, data } = await request(`/api/v1/videos/${videoId}/progress/`, { method: "POST", json: { position } });
    if (ok && data.completed) state.textContent = "Completed";
  };
  // One report at a time, in order: on a slow server a later report must not overtake an earlier one.
  // Play and the timer skip a report within half a second of the last one; a pause and the end
  // always report where the player stopped (else a report just before the end would swallow the end).
  const report = (always) => {
    const position = video.currentTime;
    if (position === lastSent || (!always && Math.abs(position - lastSent) < 0.5)) return;
    lastSent = position;
    inFlight = inFlight.then(() => send(position), () => send(position));
  };
  video.addEventListener("play", () => report(false));
  video.addEventListener("pause", () => report(true));
  video.addEventListener("ended", () => report(true));
  setInterval(() => { if (!video.paused) report(false); }, 5000);
}

function toSeconds(stamp) {
  return stamp.split(":").reduce((total, part) => total * 60 + parseFloat(part), 0);
}
