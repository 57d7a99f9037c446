// Automatic captions beside the player: live percent over /ws/ while the worker recognises the
// speech, then the page reloads to show the new track (or, while the video plays, offers to).
import { on } from "./socket.js";
import { watch } from "./topics.js";

const box = document.querySelector("[data-auto-captions]");
const waiting = (status) => status === "queued" || status === "running";

if (box && waiting(box.dataset.status)) {
  const videoId = box.dataset.video;
  const bar = box.querySelector("progress");
  const percent = box.querySelector("[data-auto-captions-percent]");
  const note = box.querySelector("[data-auto-captions-note]");
  on("video.captions", (frame) => {
    if (String(frame.video) !== videoId) return;
    if (bar) bar.value = frame.percent;
    if (percent) percent.textContent = `${frame.percent} %`;
    if (waiting(frame.status)) return;
    const player = document.querySelector("video");
    if (!player || player.paused) {
      window.location.reload();
    } else if (note) {
      note.textContent = "The automatic captions are ready. ";
      const link = document.createElement("a");
      link.href = window.location.pathname;
      link.textContent = "Reload to show them";
      note.append(link);
    }
  });
  watch(`video:${videoId}`);
}
