// Keeps the notification badge in the header live, and announces new notifications.
import { on } from "./socket.js";

const badge = document.getElementById("notification-badge");
const announcer = document.getElementById("live-announcer");

function setCount(count) {
  if (!badge) return;
  badge.textContent = count > 99 ? "99+" : String(count);
  badge.hidden = count === 0;
  badge.setAttribute("aria-label", `${count} unread notification${count === 1 ? "" : "s"}`);
}

on("notification", (frame) => {
  setCount(frame.unread_count);
  if (announcer) announcer.textContent = `New notification: ${frame.notification.title}`;
  document.dispatchEvent(new CustomEvent("intranet:notification", { detail: frame }));
});
