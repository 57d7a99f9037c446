// The quick switcher: Ctrl+K (or ⌘K) on any page opens a box to jump to a room or to a
// colleague's direct conversation, by typing part of the name. Rooms come from the rooms API
// (only those the person reads), people from the directory API.
import { getJSON } from "./http.js";

const dialog = document.getElementById("switcher");
let rooms = null;
let timer = null;

function option(label, detail, go) {
  const item = document.createElement("li");
  item.setAttribute("role", "option");
  item.id = `switcher-option-${Math.random().toString(36).slice(2)}`;
  item.textContent = label;
  if (detail) {
    const small = document.createElement("span");
    small.className = "muted";
    small.textContent = ` ${detail}`;
    item.append(small);
  }
  item.go = go;
  item.addEventListener("mousedown", (event) => {
    event.preventDefault();
    go();
  });
  return item;
}

function openDirect(userId) {
  const form = document.createElement("form");
  form.method = "post";
  form.action = "/chat/direct/";
  const token = document.querySelector("input[name=csrfmiddlewaretoken]");
  for (const [name, value] of [["csrfmiddlewaretoken", token?.value ?? ""], ["user", String(userId)]]) {
    const input = document.createElement("input");
    input.type = "hidden";
    input.name = name;
    input.value = value;
    form.append(input);
  }
  document.body.append(form);
  form.submit();
}

if (dialog) {
  const input = dialog.querySelector("input");
  const list = dialog.querySelector("[role=listbox]");
  const me = Number(document.documentElement.dataset.userId);
  let active = -1;

  function highlight(index) {
    const items = [...list.children];
    active = items.length ? (index + items.length) % items.length : -1;
    items.forEach((item, i) => item.setAttribute("aria-selected", String(i === active)));
    if (active >= 0) input.setAttribute("aria-activedescendant", items[active].id);
    else input.removeAttribute("aria-activedescendant");
  }

  async function refresh() {
    const query = input.value.trim().toLocaleLowerCase();
    if (rooms === null) {
      try {
        rooms = (await getJSON("/api/v1/chat/rooms/?page_size=200")).results;
      } catch {
        rooms = [];
      }
    }
    const found = rooms
      .filter((room) => room.name.toLocaleLowerCase().includes(query))
      .slice(0, 8)
      .map((room) => option(room.kind === "department" ? `#${room.name}` : room.name, room.unread_count ? `${room.unread_count} unread` : room.kind === "direct" ? "direct message" : "", () => location.assign(room.url)));
    let people = [];
    if (query.length >= 2) {
      try {
        people = (await getJSON(`/api/v1/profiles/?q=${encodeURIComponent(query)}&page_size=6`)).results;
      } catch {
        people = [];
      }
    }
    if (input.value.trim().toLocaleLowerCase() !== query) return; // typed on meanwhile
    const shown = new Set(found.map((item) => item.textContent));
    const personOptions = people
      .filter((person) => person.id !== me && !shown.has(person.display_name))
      .map((person) => option(person.display_name, person.job_title ? `· ${person.job_title}` : "· person", () => openDirect(person.id)));
    list.replaceChildren(...found, ...personOptions);
    if (!list.children.length) list.append(Object.assign(document.createElement("li"), { className: "muted", textContent: "Nothing matches." }));
    highlight(list.children[0]?.go ? 0 : -1);
  }

  function show() {
    if (dialog.open) return;
    input.value = "";
    dialog.showModal();
    input.focus();
    refresh();
  }

  document.addEventListener("keydown", (event) => {
    if ((event.ctrlKey || event.metaKey) && !event.altKey && event.key.toLowerCase() === "k") {
      event.preventDefault();
      show();
    }
  });
  for (const opener of document.querySelectorAll("[data-open-switcher]")) opener.addEventListener("click", show);
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(refresh, 120);
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      highlight(active + (event.key === "ArrowDown" ? 1 : -1));
    } else if (event.key === "Enter") {
      event.preventDefault();
      list.children[active]?.go?.();
    }
  });
  dialog.addEventListener("click", (event) => {
    if (event.target === dialog) dialog.close();
  });
}
