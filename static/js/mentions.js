// @mention autocomplete for every composer: the feed's post form, comment and reply forms,
// and chat. Importing this module is enough: it serves every <textarea data-mentions> on the
// page, including ones added later (comments refreshed live, chat's edit box).
//
// The place whose readers are offered comes from the nearest [data-mention-room] or
// [data-mention-department] (the textarea itself or an ancestor), else from the form's
// <select name="department">. People come from GET /api/v1/mentions/, which also says what to
// insert: `@**Name**`, or `@**Name|id**` when two readers share the name.
//
// Accessible as a listbox popup (like GitHub's text-expander): the textarea keeps the focus
// and points at the highlighted option with aria-activedescendant; Up/Down move, Enter or
// Tab insert, Escape closes; a tap or click on an option inserts it.
import { getJSON } from "./http.js";

const QUERY = /(?:^|[\s([{>"'])@(\*\*)?([^\s@*|`]{0,30}(?: [^\s@*|`]{0,30})?)$/u;
const DEBOUNCE_MS = 120;

let current = null; // {textarea, list, people, index, start}
let timer = null;
let sequence = 0;
let lists = 0;

function announce(text) {
  const announcer = document.getElementById("live-announcer");
  if (announcer) announcer.textContent = text;
}

function placeOf(textarea) {
  const holder = textarea.closest("[data-mention-room], [data-mention-department]");
  if (holder?.dataset.mentionRoom) return { room: holder.dataset.mentionRoom };
  if (holder?.dataset.mentionDepartment) return { department: holder.dataset.mentionDepartment };
  const department = textarea.form?.querySelector("select[name=department]")?.value;
  return department ? { department } : null;
}

// What is being typed after "@" at the caret, and where the "@" is; null if not a mention.
function typedMention(textarea) {
  if (textarea.selectionStart !== textarea.selectionEnd) return null;
  const before = textarea.value.slice(0, textarea.selectionStart);
  const match = before.match(QUERY);
  if (!match) return null;
  const query = match[2];
  return { query, start: before.length - query.length - (match[1] ? 3 : 1) };
}

function listFor(textarea) {
  const existing = document.getElementById(textarea.getAttribute("aria-controls") || "");
  if (existing?.getAttribute("role") === "listbox") return existing;
  const list = document.createElement("ul");
  list.id = `mention-list-${++lists}`;
  list.className = "mention-list";
  list.setAttribute("role", "listbox");
  list.setAttribute("aria-label", "People to mention");
  list.hidden = true;
  textarea.after(list);
  textarea.setAttribute("aria-controls", list.id);
  return list;
}

function prepare(textarea) {
  if (textarea.dataset.mentionsReady) return;
  textarea.dataset.mentionsReady = "true";
  textarea.setAttribute("aria-autocomplete", "list");
  textarea.setAttribute("autocomplete", "off");
  listFor(textarea);
}

export function close() {
  clearTimeout(timer);
  sequence += 1; // answers still on their way are dropped
  if (!current) return;
  const { textarea, list } = current;
  list.hidden = true;
  list.replaceChildren();
  textarea.removeAttribute("aria-expanded"); // only while the list is open: a closed textbox has none
  textarea.removeAttribute("aria-activedescendant");
  current = null;
}

function option(list, person, index) {
  const item = document.createElement("li");
  item.id = `${list.id}-${index}`;
  item.className = "mention-option";
  item.setAttribute("role", "option");
  if (person.thumbnail_url) {
    const photo = document.createElement("img");
    photo.className = "avatar avatar-xs";
    photo.src = person.thumbnail_url;
    photo.alt = "";
    photo.width = photo.height = 24;
    item.append(photo);
  }
  const name = document.createElement("span");
  name.className = "mention-name";
  name.textContent = person.name;
  item.append(name);
  if (person.job_title) {
    const title = document.createElement("span");
    title.className = "mention-title muted";
    title.textContent = person.job_title;
    item.append(" ", title);
  }
  // mousedown would move the focus out of the textarea (and close the list) before the click.
  item.addEventListener("mousedown", (event) => event.preventDefault());
  item.addEventListener("click", () => choose(index));
  return item;
}

function highlight(index) {
  const options = [...current.list.children];
  current.index = (index + options.length) % options.length;
  options.forEach((item, i) => item.setAttribute("aria-selected", String(i === current.index)));
  const active = options[current.index];
  current.textarea.setAttribute("aria-activedescendant", active.id);
  active.scrollIntoView({ block: "nearest" });
}

function show(textarea, people, start) {
  if (!people.length) {
    close();
    return;
  }
  const list = listFor(textarea);
  current = { textarea, list, people, index: 0, start };
  list.replaceChildren(...people.map((person, index) => option(list, person, index)));
  list.hidden = false;
  textarea.setAttribute("aria-expanded", "true");
  highlight(0);
  announce(`${people.length} ${people.length === 1 ? "person" : "people"} to mention. Up and down to choose, Enter to insert.`);
}

function choose(index) {
  if (!current) return;
  const { textarea, people, start } = current;
  const person = people[index];
  if (!person) return;
  const caret = textarea.selectionStart;
  const before = textarea.value.slice(0, start) + person.insert + " ";
  textarea.value = before + textarea.value.slice(caret);
  textarea.selectionStart = textarea.selectionEnd = before.length;
  close();
  textarea.focus();
  announce(`${person.name} mentioned.`);
}

function update(textarea) {
  const place = placeOf(textarea);
  const typed = typedMention(textarea);
  clearTimeout(timer);
  if (!place || !typed) {
    close();
    return;
  }
  const request = ++sequence;
  timer = setTimeout(async () => {
    const params = new URLSearchParams({ ...place, q: typed.query });
    let data;
    try {
      data = await getJSON(`/api/v1/mentions/?${params}`);
    } catch {
      return; // offline or refused: no suggestions, typing goes on
    }
    if (request !== sequence || document.activeElement !== textarea) return;
    show(textarea, data.results, typed.start);
  }, DEBOUNCE_MS);
}

function isComposer(target) {
  return target instanceof HTMLTextAreaElement && target.dataset.mentions !== undefined;
}

document.addEventListener("focusin", (event) => {
  if (isComposer(event.target)) prepare(event.target);
});

document.addEventListener("input", (event) => {
  if (!isComposer(event.target)) return;
  prepare(event.target);
  update(event.target);
});

// Capture phase: the list's keys are handled before the composer's own (chat's Enter sends).
document.addEventListener(
  "keydown",
  (event) => {
    if (!current || event.target !== current.textarea || event.isComposing) return;
    const keys = {
      ArrowDown: () => highlight(current.index + 1),
      ArrowUp: () => highlight(current.index - 1),
      Enter: () => choose(current.index),
      Tab: () => choose(current.index),
      Escape: () => close(),
    };
    const action = keys[event.key];
    if (!action || (event.key === "Enter" && event.shiftKey)) return;
    event.preventDefault();
    event.stopPropagation();
    action();
  },
  true,
);

// The caret moved without typing: follow it (or close when it left the mention).
const CARET_KEYS = new Set(["ArrowLeft", "ArrowRight", "Home", "End"]);
document.addEventListener("keyup", (event) => {
  if (current && event.target === current.textarea && CARET_KEYS.has(event.key)) update(current.textarea);
});
document.addEventListener("click", (event) => {
  if (current && event.target === current.textarea) update(current.textarea);
});

document.addEventListener("focusout", (event) => {
  if (current && event.target === current.textarea) close();
});

// Composers already on the page are ready at once, and a mention typed before this module
// ran (a slow connection, an autofocused box) is picked up rather than lost.
document.querySelectorAll("textarea[data-mentions]").forEach(prepare);
if (isComposer(document.activeElement)) update(document.activeElement);
