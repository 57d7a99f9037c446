// The managers' dashboard of one video: "x of y completed" and the row of whoever just completed,
// live over /ws/ (topic "video_completion:<id>", managers only).
import { on } from "./socket.js";
import { watch } from "./topics.js";

const summary = document.querySelector("[data-watch-completion]");
if (summary) {
  const videoId = summary.dataset.watchCompletion;
  on("video.completion", (frame) => {
    if (String(frame.video) !== videoId) return;
    summary.querySelector("[data-completed]").textContent = frame.completed;
    summary.querySelector("[data-total]").textContent = frame.total;
    const row = document.querySelector(`tr[data-viewer="${frame.user.id}"]`);
    if (!row) return;
    row.querySelector("[data-percent]").textContent = `${frame.percent} %`;
    const time = document.createElement("time");
    time.dateTime = frame.completed_at;
    time.textContent = new Date(frame.completed_at).toLocaleString([], { dateStyle: "medium", timeStyle: "short" });
    row.querySelector("[data-completed-at]").replaceChildren(time);
  });
  watch(`video_completion:${videoId}`);
}
