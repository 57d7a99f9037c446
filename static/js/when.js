// Times as people read them, in their own time zone (the one on their profile, which
// <html data-time-zone> carries). At a person's first visit the browser tells the server its
// zone; "3 min ago" labels written by the server (apps/core/templatetags/when.py) stay fresh.
import { request } from "./http.js";

const root = document.documentElement;
export const timeZone = root.dataset.timeZone || Intl.DateTimeFormat().resolvedOptions().timeZone;

if (root.dataset.signedIn === "true" && !root.dataset.timeZone) {
  const body = new FormData();
  body.set("time_zone", Intl.DateTimeFormat().resolvedOptions().timeZone);
  request("/people/me/time-zone/", { method: "POST", body }).then(({ ok, data }) => {
    if (ok && data.time_zone) root.dataset.timeZone = data.time_zone;
  }, () => {});
}

function relative(date) {
  const seconds = Math.round((Date.now() - date.getTime()) / 1000);
  if (seconds < 45) return "just now";
  if (seconds < 3600) return `${Math.max(1, Math.round(seconds / 60))} min ago`;
  return `${Math.round(seconds / 3600)} h ago`;
}

// "14:05" today, "3 Dec, 14:05" otherwise, in the person's zone; `title` gets the full date.
export function shortTime(date) {
  const sameDay =
    date.toLocaleDateString("en-GB", { timeZone }) === new Date().toLocaleDateString("en-GB", { timeZone });
  const options = sameDay
    ? { timeZone, hour: "2-digit", minute: "2-digit" }
    : { timeZone, day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" };
  return date.toLocaleString("en-GB", options);
}

export function fullTime(date) {
  const options = { timeZone, day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit" };
  return date.toLocaleString("en-GB", { ...options, timeZoneName: "short" });
}

function refresh() {
  for (const node of document.querySelectorAll('time[data-relative="true"]')) {
    const date = new Date(node.getAttribute("datetime"));
    if (Date.now() - date.getTime() > 22 * 3600 * 1000) continue;
    node.textContent = relative(date);
  }
}
setInterval(refresh, 60_000);
