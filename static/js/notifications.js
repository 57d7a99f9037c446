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

// Desktop notifications (the browser's Notifications API), when the person turned them on
// in this browser and is not looking at the intranet: the title and a link, nothing else.
const DESKTOP_KEY = "intranet-desktop-notifications";

function desktopWanted() {
  try {
    return "Notification" in window && Notification.permission === "granted" && localStorage.getItem(DESKTOP_KEY) === "on";
  } catch {
    return false;
  }
}

on("notification", (frame) => {
  if (!desktopWanted() || (document.visibilityState === "visible" && document.hasFocus())) return;
  const popup = new Notification("Intranet", { body: frame.notification.title, tag: `n-${frame.notification.id}` });
  popup.addEventListener("click", () => {
    window.focus();
    location.assign(`/notifications/${frame.notification.id}/`);
  });
});

const toggle = document.querySelector("[data-desktop-notifications]");
if (toggle) {
  const status = document.querySelector("[data-desktop-status]");
  const render = () => {
    const supported = "Notification" in window;
    const on = desktopWanted();
    toggle.textContent = on ? "Turn off desktop notifications" : "Turn on desktop notifications";
    toggle.disabled = !supported || Notification.permission === "denied";
    status.textContent = !supported
      ? "This browser cannot show desktop notifications."
      : Notification.permission === "denied"
        ? "Blocked in this browser's site settings."
        : on
          ? "On in this browser, when the intranet is not in front."
          : "Off in this browser.";
  };
  toggle.hidden = false;
  render();
  toggle.addEventListener("click", async () => {
    if (desktopWanted()) localStorage.setItem(DESKTOP_KEY, "off");
    else if ((await Notification.requestPermission()) === "granted") localStorage.setItem(DESKTOP_KEY, "on");
    render();
  });
}
