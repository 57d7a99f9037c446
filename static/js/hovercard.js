// Hover cards: hovering or focusing a link to a person (/people/<id>/) shows a small card
// with their photo, title, departments, status and local time, fetched once per person.
// It is a description of the link (aria-describedby), so screen readers hear it too.
import { fetchHTML } from "./http.js";

const PERSON_LINK = /^\/people\/(\d+)\/$/;
const cache = new Map();
let card = null;
let showTimer = null;

function personOf(link) {
  const url = new URL(link.href, location.href);
  if (url.origin !== location.origin) return null;
  const match = PERSON_LINK.exec(url.pathname);
  return match ? match[1] : null;
}

function hide() {
  clearTimeout(showTimer);
  if (!card) return;
  card.owner?.removeAttribute("aria-describedby");
  card.remove();
  card = null;
}

async function show(link, id) {
  if (!cache.has(id)) cache.set(id, fetchHTML(`/people/${id}/card/`));
  const fragment = await cache.get(id);
  if (!fragment || !link.matches(":hover, :focus")) return;
  hide();
  card = document.createElement("div");
  card.className = "hover-card-popover";
  card.id = "hover-card";
  card.setAttribute("role", "tooltip");
  card.append(fragment.cloneNode(true));
  card.owner = link;
  document.body.append(card);
  const box = link.getBoundingClientRect();
  const top = box.bottom + window.scrollY + 6;
  const left = Math.min(box.left + window.scrollX, window.scrollX + document.documentElement.clientWidth - card.offsetWidth - 8);
  card.style.setProperty("--top", `${top}px`);
  card.style.setProperty("--left", `${Math.max(8, left)}px`);
  link.setAttribute("aria-describedby", "hover-card");
}

function schedule(event) {
  const link = event.target.closest?.("a[href]");
  if (!link || link.closest(".hover-card-popover")) return;
  const id = personOf(link);
  if (!id) return;
  clearTimeout(showTimer);
  showTimer = setTimeout(() => show(link, id), event.type === "focusin" ? 0 : 400);
}

document.addEventListener("mouseover", schedule);
document.addEventListener("focusin", schedule);
document.addEventListener("mouseout", (event) => {
  if (event.target.closest?.("a[href]") && !event.relatedTarget?.closest?.(".hover-card-popover")) hide();
});
document.addEventListener("focusout", hide);
document.addEventListener("keydown", (event) => {
  if (event.key === "Escape") hide();
});
