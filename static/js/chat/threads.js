// The side panes of a room: a thread (a message and its replies, with its own composer) and
// the room's pinned messages. Both are filled from frames (`chat.thread`, `chat.pins`) and
// kept live from the room's stream: a reply is a `chat.message` with a `parent`, a pin or a
// reply count is a `chat.message_edited`.
import { send } from "../socket.js";

function uuid4() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function createSidePanes(root, { roomId, messages }) {
  const pane = root.querySelector("[data-thread]");
  const list = pane.querySelector("[data-thread-list]");
  const form = pane.querySelector("[data-thread-composer]");
  const input = form.querySelector("textarea");
  const pins = root.querySelector("[data-pins]");
  const pinsList = pins.querySelector("[data-pins-list]");
  const pinsEmpty = pins.querySelector("[data-pins-empty]");
  const pinsButton = root.querySelector("[data-show-pins]");
  let threadId = null;
  let opener = null;

  function copy(message, prefix) {
    const element = messages.render(message);
    element.id = `${prefix}-message-${message.id}`;
    return element;
  }

  function openThread(messageId) {
    opener = document.activeElement;
    threadId = messageId;
    list.replaceChildren();
    pane.hidden = false;
    root.classList.add("thread-open");
    send({ type: "chat.thread", message: messageId });
    input.focus();
  }

  function closeThread() {
    threadId = null;
    pane.hidden = true;
    root.classList.remove("thread-open");
    opener?.focus?.();
  }

  function showThread(frame) {
    if (frame.room !== roomId) return;
    threadId = frame.message.id;
    const parent = copy(frame.message, "thread");
    parent.classList.add("chat-thread-parent");
    list.replaceChildren(parent, ...frame.replies.map((reply) => copy(reply, "thread")));
    list.lastElementChild.scrollIntoView({ block: "end" });
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const body = input.value.trim();
    if (!body || threadId === null) return;
    send({ type: "chat.send", room: roomId, body, client_id: uuid4(), parent: threadId });
    input.value = "";
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing && !event.defaultPrevented) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  pane.querySelector("[data-close-thread]").addEventListener("click", closeThread);
  pane.addEventListener("keydown", (event) => {
    if (event.key === "Escape") closeThread();
  });

  function showPins(frame) {
    if (frame.room !== roomId) return;
    pinsList.replaceChildren(...frame.messages.map((message) => copy(message, "pin")));
    pinsEmpty.hidden = frame.messages.length > 0;
  }

  function togglePins(open) {
    pins.hidden = !open;
    pinsButton.setAttribute("aria-expanded", String(open));
    if (open) send({ type: "chat.pins", room: roomId });
  }
  pinsButton.addEventListener("click", () => togglePins(pins.hidden));
  pins.querySelector("[data-close-pins]").addEventListener("click", () => {
    togglePins(false);
    pinsButton.focus();
  });

  return {
    openThread,
    showThread,
    showPins,

    // A reply arrived: into the open thread if it is that one's.
    reply(message) {
      if (message.parent !== threadId || document.getElementById(`thread-message-${message.id}`)) return;
      list.append(copy(message, "thread"));
      list.lastElementChild.scrollIntoView({ block: "end" });
    },

    // A message changed: the copies in the panes follow; the pins list when a pin changed.
    update(message, { pinChanged }) {
      for (const prefix of ["thread", "pin"]) {
        const existing = document.getElementById(`${prefix}-message-${message.id}`);
        if (existing) existing.replaceWith(copy(message, prefix));
      }
      if (pinChanged && !pins.hidden) send({ type: "chat.pins", room: roomId });
    },

    removed(messageId) {
      for (const prefix of ["thread", "pin"]) document.getElementById(`${prefix}-message-${messageId}`)?.remove();
      if (messageId === threadId) closeThread();
    },
  };
}
