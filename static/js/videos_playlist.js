// A playlist's order, for its managers: drag a video by its handle (mouse, pen or finger: Pointer
// Events, so it works on a phone where HTML drag and drop does not), or press its Move up / Move
// down buttons (the keyboard way, and the no-script way: they are plain forms). Each move is sent to
// the API (`POST /api/v1/video-playlists/<id>/videos/` with the new position) and announced.
import { request } from "./http.js";

const list = document.querySelector("[data-playlist-order]");
const announcer = document.getElementById("live-announcer");

function items() {
  return [...list.querySelectorAll(":scope > li[data-video-id]")];
}

function announce(text) {
  if (announcer) announcer.textContent = text;
}

// After any reorder: each item's buttons say where they would move it, the ends are disabled.
function renumber() {
  const all = items();
  all.forEach((item, index) => {
    const up = item.querySelector("[data-move=up]");
    const down = item.querySelector("[data-move=down]");
    up.querySelector("[name=position]").value = index;
    down.querySelector("[name=position]").value = index + 2;
    up.querySelector("button").disabled = index === 0;
    down.querySelector("button").disabled = index === all.length - 1;
  });
}

async function save(item, before) {
  const all = items();
  const position = all.indexOf(item) + 1;
  const { ok, data } = await request(list.dataset.endpoint, {
    method: "POST",
    json: { video: Number(item.dataset.videoId), position },
  });
  if (!ok) {
    // Put it back where it was and say why (the page is the truth: a reload shows the saved order).
    list.insertBefore(item, before);
    renumber();
    announce((data && data.detail) || "The order could not be saved.");
    return;
  }
  announce(`Moved “${item.dataset.title}” to position ${position} of ${all.length}.`);
}

if (list) {
  list.addEventListener("submit", (event) => {
    const form = event.target.closest("form[data-move]");
    if (!form) return;
    event.preventDefault();
    const item = form.closest("li");
    const before = item.nextElementSibling;
    if (form.dataset.move === "up" && item.previousElementSibling) {
      list.insertBefore(item, item.previousElementSibling);
    } else if (form.dataset.move === "down" && item.nextElementSibling) {
      list.insertBefore(item, item.nextElementSibling.nextElementSibling);
    } else {
      return;
    }
    renumber();
    // Keep the focus on the button pressed, or on its twin once it reached an end.
    const button = form.querySelector("button");
    (button.disabled ? item.querySelector(`[data-move=${form.dataset.move === "up" ? "down" : "up"}] button`) : button).focus();
    save(item, before);
  });

  let dragging = null;

  list.addEventListener("pointerdown", (event) => {
    const handle = event.target.closest("[data-drag-handle]");
    if (!handle || event.button > 0) return;
    event.preventDefault();
    const item = handle.closest("li");
    dragging = { item, before: item.nextElementSibling, pointer: event.pointerId };
    handle.setPointerCapture(event.pointerId);
    item.classList.add("dragging");
  });

  list.addEventListener("pointermove", (event) => {
    if (!dragging || event.pointerId !== dragging.pointer) return;
    const { item } = dragging;
    // The item under the finger (by its box: the dragged item itself is under it too).
    const target = items().find((other) => {
      if (other === item) return false;
      const box = other.getBoundingClientRect();
      return event.clientX >= box.left && event.clientX <= box.right && event.clientY >= box.top && event.clientY <= box.bottom;
    });
    if (!target) return;
    const all = items();
    list.insertBefore(item, all.indexOf(target) < all.indexOf(item) ? target : target.nextElementSibling);
    renumber();
  });

  const drop = (event) => {
    if (!dragging || event.pointerId !== dragging.pointer) return;
    const { item, before } = dragging;
    dragging = null;
    item.classList.remove("dragging");
    if (item.nextElementSibling !== before) save(item, before);
  };
  list.addEventListener("pointerup", drop);
  list.addEventListener("pointercancel", (event) => {
    if (!dragging || event.pointerId !== dragging.pointer) return;
    const { item, before } = dragging;
    list.insertBefore(item, before);
    renumber();
    dragging = null;
    item.classList.remove("dragging");
  });
}
