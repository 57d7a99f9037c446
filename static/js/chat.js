// The chat page: live rooms over the shared /ws/ socket.
//
// Every room in the sidebar is subscribed with the id of the newest message this page has
// seen (`after`) and the room revision it is up to date with, so a reconnect replays exactly
// what was missed, edits included. Messages are keyed by id: a frame seen twice changes
// nothing. Sends carry a client_id and stay "pending" until their message comes back; after a
// reconnect they are sent again, which the server answers with the original (never a copy).
import { on, onReconnect, send } from "./socket.js";

const root = document.getElementById("chat");
if (root && root.dataset.roomId) init(root);

function uuid4() {
  // crypto.randomUUID needs a secure context; an intranet on plain http is not one.
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function csrfToken() {
  const input = document.querySelector("input[name=csrfmiddlewaretoken]");
  return input ? input.value : "";
}

async function api(path, options = {}) {
  const response = await fetch(path, {
    credentials: "same-origin",
    headers: { Accept: "application/json", "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
    ...options,
  });
  if (!response.ok) throw new Error(`${response.status} ${path}`);
  return response.status === 204 ? null : response.json();
}

function init(root) {
  const me = { id: Number(root.dataset.userId), name: root.dataset.userName };
  const currentRoom = Number(root.dataset.roomId);
  const canModerate = root.dataset.canModerate === "true";
  const maxLength = Number(root.dataset.maxLength) || 4000;

  const list = root.querySelector("[data-messages]");
  const scroller = root.querySelector("[data-chat-scroll]");
  const historyState = root.querySelector("[data-history-state]");
  const typingLine = root.querySelector("[data-typing]");
  const presenceLine = root.querySelector("[data-presence-summary]");
  const notice = root.querySelector("[data-chat-notice]");
  const jump = root.querySelector("[data-jump-latest]");
  const form = root.querySelector("[data-composer]");
  const textarea = form.querySelector("textarea");
  const composerError = form.querySelector("[data-composer-error]");
  const mentionList = form.querySelector("#chat-mentions");

  // room id -> {item, lastId, revision, live, unread}
  const rooms = new Map();
  const pending = new Map(); // client_id -> {room, body, element, sentAt}
  const typing = new Map(); // user id -> {name, timer}
  let onlineHere = new Map(); // user id -> name, in the open room (rooms up to 100 readers)
  let onlineCount = 0; // everyone online in the open room, me included
  let hasOlder = Boolean(historyState.querySelector("[data-load-older]"));
  let loadingOlder = false;
  let removed = false;

  function registerRoom(item) {
    const id = Number(item.dataset.roomId);
    const badge = item.querySelector("[data-unread-badge]");
    rooms.set(id, {
      item,
      lastId: Number(item.dataset.lastMessageId) || 0,
      revision: Number(item.dataset.revision) || 0,
      live: false,
      unread: badge && !badge.hidden ? Number.parseInt(badge.textContent, 10) || 0 : 0,
    });
    return rooms.get(id);
  }
  for (const item of root.querySelectorAll(".chat-room-item")) registerRoom(item);
  const here = rooms.get(currentRoom);
  for (const element of list.children) {
    here.lastId = Math.max(here.lastId, Number(element.dataset.messageId));
    enhance(element);
  }

  function setUnread(roomId, count) {
    const room = rooms.get(roomId);
    if (!room) return;
    room.unread = Math.max(0, count);
    const badge = room.item.querySelector("[data-unread-badge]");
    badge.textContent = room.unread > 99 ? "99+" : String(room.unread);
    badge.hidden = room.unread === 0;
    badge.setAttribute("aria-label", `${room.unread} unread`);
    room.item.classList.toggle("unread", room.unread > 0);
  }

  function subscribe(roomId) {
    const room = rooms.get(roomId);
    room.live = false;
    send({ type: "subscribe", room: roomId, after: room.lastId, revision: room.revision });
  }

  // --- messages in the open room

  function atBottom() {
    return scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 80;
  }

  function scrollToBottom() {
    scroller.scrollTop = scroller.scrollHeight;
    jump.hidden = true;
  }

  function formatTime(element) {
    const time = element.querySelector("time");
    if (!time) return;
    const date = new Date(time.getAttribute("datetime"));
    if (Number.isNaN(date.getTime())) return;
    const sameDay = date.toDateString() === new Date().toDateString();
    time.textContent = sameDay
      ? date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })
      : date.toLocaleString([], { dateStyle: "medium", timeStyle: "short" });
    time.title = date.toLocaleString();
  }

  function renderMessage(message) {
    const item = document.createElement("li");
    item.className = "chat-message";
    item.id = `message-${message.id}`;
    item.dataset.messageId = message.id;
    item.dataset.authorId = message.author.id;
    item.dataset.revision = message.revision;
    if (message.author.id === me.id) item.classList.add("mine");
    const meta = document.createElement("div");
    meta.className = "chat-message-meta";
    const author = document.createElement("a");
    author.className = "chat-author";
    author.href = `/people/${message.author.id}/`;
    author.textContent = message.author.name;
    const time = document.createElement("time");
    time.setAttribute("datetime", message.created_at);
    meta.append(author, " ", time);
    if (message.edited_at) {
      const edited = document.createElement("span");
      edited.className = "chat-edited muted";
      edited.textContent = "(edited)";
      meta.append(" ", edited);
    }
    const body = document.createElement("div");
    body.className = "chat-message-body prose";
    body.innerHTML = message.html; // rendered and sanitised by the server (nh3)
    item.append(meta, body);
    enhance(item);
    return item;
  }

  function enhance(element) {
    formatTime(element);
    for (const mention of element.querySelectorAll(`.mention[data-user-id="${me.id}"]`)) mention.classList.add("me");
    const mine = Number(element.dataset.authorId) === me.id;
    if (!mine && !canModerate) return;
    const actions = document.createElement("div");
    actions.className = "chat-message-actions";
    if (mine) {
      const edit = document.createElement("button");
      edit.type = "button";
      edit.className = "link-button";
      edit.textContent = "Edit";
      edit.addEventListener("click", () => startEdit(element));
      actions.append(edit);
    }
    const remove = document.createElement("button");
    remove.type = "button";
    remove.className = "link-button danger";
    remove.textContent = "Delete";
    remove.addEventListener("click", () => {
      if (window.confirm("Delete this message for everyone?")) {
        send({ type: "chat.delete", message: Number(element.dataset.messageId) });
      }
    });
    actions.append(remove);
    element.append(actions);
  }

  function startEdit(element) {
    if (element.querySelector(".chat-edit")) return;
    const id = Number(element.dataset.messageId);
    const body = element.querySelector(".chat-message-body");
    const editor = document.createElement("form");
    editor.className = "chat-edit";
    const input = document.createElement("textarea");
    input.rows = 3;
    input.maxLength = maxLength;
    input.setAttribute("aria-label", "Edit message");
    input.value = element.dataset.body ?? body.textContent;
    const save = document.createElement("button");
    save.type = "submit";
    save.textContent = "Save";
    const cancel = document.createElement("button");
    cancel.type = "button";
    cancel.className = "button-secondary";
    cancel.textContent = "Cancel";
    editor.append(input, save, cancel);
    body.hidden = true;
    body.after(editor);
    input.focus();
    const close = () => {
      editor.remove();
      body.hidden = false;
    };
    cancel.addEventListener("click", close);
    editor.addEventListener("submit", (event) => {
      event.preventDefault();
      const text = input.value.trim();
      if (text) send({ type: "chat.edit", message: id, body: text });
      close();
    });
  }

  function insertMessage(message) {
    const existing = document.getElementById(`message-${message.id}`);
    const element = renderMessage(message);
    element.dataset.body = message.body;
    if (existing) {
      existing.replaceWith(element);
      return;
    }
    const stick = atBottom();
    // Keep id order even if frames arrive out of order.
    let before = null;
    for (let node = list.lastElementChild; node; node = node.previousElementSibling) {
      if (!node.dataset.messageId || Number(node.dataset.messageId) < message.id) break;
      before = node;
    }
    list.insertBefore(element, before);
    const pendingSend = message.client_id && pending.get(message.client_id);
    if (pendingSend) {
      pendingSend.element.remove();
      pending.delete(message.client_id);
    }
    if (stick || message.author.id === me.id) scrollToBottom();
    else jump.hidden = false;
  }

  function showPending(clientId, body) {
    const element = document.createElement("li");
    element.className = "chat-message mine pending";
    element.dataset.clientId = clientId;
    const meta = document.createElement("div");
    meta.className = "chat-message-meta";
    meta.textContent = "Sending…";
    const text = document.createElement("div");
    text.className = "chat-message-body";
    text.textContent = body;
    element.append(meta, text);
    list.append(element);
    scrollToBottom();
    return element;
  }

  // --- reading

  let readTimer = null;
  function markRead() {
    if (document.visibilityState !== "visible" || removed) return;
    clearTimeout(readTimer);
    readTimer = setTimeout(() => {
      const room = rooms.get(currentRoom);
      if (room && room.lastId > 0) send({ type: "chat.read", room: currentRoom, message: room.lastId });
    }, 300);
  }
  document.addEventListener("visibilitychange", markRead);

  // --- frames

  function trackRevision(frame) {
    const room = rooms.get(frame.room);
    if (room && room.live) room.revision = Math.max(room.revision, frame.message.revision);
  }

  on("chat.message", (frame) => {
    const room = rooms.get(frame.room);
    if (!room) return;
    const message = frame.message;
    const isNew = message.id > room.lastId;
    room.lastId = Math.max(room.lastId, message.id);
    trackRevision(frame);
    if (frame.room === currentRoom) {
      insertMessage(message);
      stopTyping(message.author.id);
      markRead();
    } else if (isNew && !frame.duplicate && message.author.id !== me.id) {
      setUnread(frame.room, room.unread + 1);
    }
  });

  on("chat.message_edited", (frame) => {
    trackRevision(frame);
    if (frame.room !== currentRoom) return;
    const existing = document.getElementById(`message-${frame.message.id}`);
    if (existing) {
      const element = renderMessage(frame.message);
      element.dataset.body = frame.message.body;
      existing.replaceWith(element);
    }
  });

  on("chat.message_deleted", (frame) => {
    trackRevision(frame);
    if (frame.room !== currentRoom) return;
    document.getElementById(`message-${frame.message.id}`)?.remove();
  });

  on("chat.subscribed", (frame) => {
    const room = rooms.get(frame.room);
    if (!room) return;
    room.lastId = Math.max(room.lastId, frame.last_id);
    room.revision = Math.max(room.revision, frame.revision);
    room.live = true;
    if (frame.room === currentRoom) {
      markRead();
      // Messages left unconfirmed by a dropped connection: resending is safe (client_id).
      for (const [clientId, item] of pending) send({ type: "chat.send", room: item.room, body: item.body, client_id: clientId });
    }
  });

  on("chat.read", (frame) => setUnread(frame.room, frame.unread));

  on("chat.removed", (frame) => {
    const room = rooms.get(frame.room);
    if (!room) return;
    room.item.remove();
    rooms.delete(frame.room);
    if (frame.room === currentRoom) {
      removed = true;
      notice.textContent = `${frame.detail} New messages will not appear here.`;
      notice.hidden = false;
      for (const control of form.elements) control.disabled = true;
    }
  });

  on("chat.room_added", (frame) => {
    const info = frame.room;
    if (rooms.has(info.id)) return;
    const section = root.querySelector(`[data-room-section="${info.kind}"]`);
    if (!section) return;
    section.querySelector(".chat-room-empty")?.remove();
    const item = document.createElement("li");
    item.className = "chat-room-item";
    item.dataset.roomId = info.id;
    item.dataset.lastMessageId = info.last_message_id;
    item.dataset.revision = info.revision;
    item.dataset.kind = info.kind;
    const link = document.createElement("a");
    link.href = info.url;
    const name = document.createElement("span");
    name.className = "chat-room-name";
    name.textContent = info.name;
    const badge = document.createElement("span");
    badge.className = "count-badge";
    badge.dataset.unreadBadge = "";
    badge.hidden = true;
    link.append(name, " ", badge);
    item.append(link);
    section.append(item);
    registerRoom(item);
    setUnread(info.id, info.unread_count);
    subscribe(info.id);
  });

  function renderPresence(listed) {
    if (!listed) {
      // A big room: the server says how many are online, not who.
      presenceLine.textContent = `${onlineCount} online`;
      presenceLine.title = "";
      return;
    }
    const names = [...onlineHere.values()].sort((a, b) => a.localeCompare(b));
    presenceLine.textContent = names.length
      ? `${names.length} online: ${names.slice(0, 5).join(", ")}${names.length > 5 ? ", …" : ""}`
      : "Nobody else is online";
    presenceLine.title = names.join(", ");
  }

  on("chat.presence", (frame) => {
    const room = rooms.get(frame.room);
    if (!room) return;
    if (room.item.dataset.otherUserId) {
      const other = Number(room.item.dataset.otherUserId);
      const dot = room.item.querySelector("[data-presence-dot]");
      const isOnline = frame.full
        ? frame.online.some((user) => user.id === other)
        : frame.online.some((user) => user.id === other) ||
          (dot.classList.contains("online") && !frame.offline.includes(other));
      dot.classList.toggle("online", isOnline);
      dot.title = isOnline ? "Online" : "Offline";
    }
    if (frame.room !== currentRoom) return;
    if (frame.full) onlineHere = new Map();
    for (const user of frame.online) if (user.id !== me.id) onlineHere.set(user.id, user.name);
    for (const id of frame.offline) onlineHere.delete(id);
    onlineCount = frame.count;
    renderPresence(frame.listed);
  });

  function renderTyping() {
    const names = [...typing.values()].map((entry) => entry.name);
    typingLine.textContent =
      names.length === 0 ? "" : names.length === 1 ? `${names[0]} is typing…` : `${names.join(", ")} are typing…`;
  }

  function stopTyping(userId) {
    const entry = typing.get(userId);
    if (!entry) return;
    clearTimeout(entry.timer);
    typing.delete(userId);
    renderTyping();
  }

  on("chat.typing", (frame) => {
    if (frame.room !== currentRoom || frame.user.id === me.id) return;
    stopTyping(frame.user.id);
    typing.set(frame.user.id, { name: frame.user.name, timer: setTimeout(() => stopTyping(frame.user.id), 5000) });
    renderTyping();
  });

  let retryTimer = null;
  on("error", (frame) => {
    if (frame.code === "rate_limited") {
      // Pending messages are kept and sent again: the server returns each one once.
      showComposerError(`${frame.detail} Your messages will be sent automatically.`);
      clearTimeout(retryTimer);
      retryTimer = setTimeout(() => {
        for (const [clientId, item] of pending) send({ type: "chat.send", room: item.room, body: item.body, client_id: clientId });
      }, 3000);
      return;
    }
    if (["body_too_long", "empty_body", "bad_body", "forbidden", "unknown_message"].includes(frame.code)) {
      showComposerError(frame.detail);
    }
  });

  function showComposerError(text) {
    composerError.textContent = text;
    composerError.hidden = !text;
  }

  // --- composing

  function submit() {
    const body = textarea.value.trim();
    if (!body || removed) return;
    if (body.length > maxLength) {
      showComposerError(`A message can be at most ${maxLength} characters long; this one has ${body.length}.`);
      return;
    }
    showComposerError("");
    const clientId = uuid4();
    pending.set(clientId, { room: currentRoom, body, element: showPending(clientId, body), sentAt: Date.now() });
    send({ type: "chat.send", room: currentRoom, body, client_id: clientId });
    textarea.value = "";
    closeMentions();
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    submit();
  });

  // Unconfirmed after a while although the socket is up: say so, and try again (idempotent).
  setInterval(() => {
    for (const [clientId, item] of pending) {
      if (Date.now() - item.sentAt > 10000) {
        item.element.querySelector(".chat-message-meta").textContent = "Not delivered yet: retrying…";
        item.sentAt = Date.now();
        send({ type: "chat.send", room: item.room, body: item.body, client_id: clientId });
      }
    }
  }, 2000);

  let lastTypingSent = 0;
  textarea.addEventListener("input", () => {
    if (textarea.value.trim() && Date.now() - lastTypingSent > 3000) {
      lastTypingSent = Date.now();
      send({ type: "typing", room: currentRoom });
    }
    updateMentions();
  });

  // --- mention autocomplete: "@" + letters suggests people who read the room

  let mentionItems = [];
  let mentionIndex = 0;
  let mentionTimer = null;
  let mentionRequest = 0;

  function mentionQuery() {
    const before = textarea.value.slice(0, textarea.selectionStart);
    const match = before.match(/(^|\s)@([^\s@*]{0,30})$/);
    return match ? match[2] : null;
  }

  function closeMentions() {
    mentionList.hidden = true;
    mentionList.replaceChildren();
    mentionItems = [];
    textarea.removeAttribute("aria-activedescendant");
  }

  function updateMentions() {
    const query = mentionQuery();
    clearTimeout(mentionTimer);
    if (query === null) {
      closeMentions();
      return;
    }
    mentionTimer = setTimeout(async () => {
      const request = ++mentionRequest;
      let data;
      try {
        data = await api(`/api/v1/chat/rooms/${currentRoom}/members/?page_size=8&q=${encodeURIComponent(query)}`);
      } catch {
        return;
      }
      if (request !== mentionRequest) return;
      mentionItems = data.results.filter((person) => person.id !== me.id);
      mentionIndex = 0;
      renderMentions();
    }, 120);
  }

  function renderMentions() {
    mentionList.replaceChildren();
    if (!mentionItems.length) {
      closeMentions();
      return;
    }
    mentionItems.forEach((person, index) => {
      const option = document.createElement("li");
      option.id = `chat-mention-${index}`;
      option.setAttribute("role", "option");
      option.setAttribute("aria-selected", String(index === mentionIndex));
      option.textContent = person.name;
      if (person.job_title) {
        const title = document.createElement("span");
        title.className = "muted";
        title.textContent = ` · ${person.job_title}`;
        option.append(title);
      }
      option.addEventListener("mousedown", (event) => {
        event.preventDefault();
        chooseMention(index);
      });
      mentionList.append(option);
    });
    mentionList.hidden = false;
    textarea.setAttribute("aria-activedescendant", `chat-mention-${mentionIndex}`);
  }

  function chooseMention(index) {
    const person = mentionItems[index];
    if (!person) return;
    const caret = textarea.selectionStart;
    const before = textarea.value.slice(0, caret).replace(/@([^\s@*]{0,30})$/, `@**${person.name}** `);
    textarea.value = before + textarea.value.slice(caret);
    textarea.selectionStart = textarea.selectionEnd = before.length;
    closeMentions();
    textarea.focus();
  }

  textarea.addEventListener("keydown", (event) => {
    if (!mentionList.hidden && mentionItems.length) {
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        const step = event.key === "ArrowDown" ? 1 : -1;
        mentionIndex = (mentionIndex + step + mentionItems.length) % mentionItems.length;
        renderMentions();
        return;
      }
      if (event.key === "Enter" || event.key === "Tab") {
        event.preventDefault();
        chooseMention(mentionIndex);
        return;
      }
      if (event.key === "Escape") {
        closeMentions();
        return;
      }
    }
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      submit();
    }
  });
  textarea.addEventListener("blur", () => setTimeout(closeMentions, 150));

  // --- history: infinite scroll upward

  async function loadOlder() {
    if (!hasOlder || loadingOlder) return;
    loadingOlder = true;
    const oldest = list.querySelector("[data-message-id]");
    const before = oldest ? Number(oldest.dataset.messageId) : rooms.get(currentRoom).lastId + 1;
    historyState.textContent = "Loading older messages…";
    let data;
    try {
      data = await api(`/api/v1/chat/rooms/${currentRoom}/messages/?before=${before}`);
    } catch {
      historyState.replaceChildren(loadOlderButton());
      loadingOlder = false;
      return;
    }
    const height = scroller.scrollHeight;
    const fragment = document.createDocumentFragment();
    for (const message of data.results.slice().reverse()) {
      if (document.getElementById(`message-${message.id}`)) continue;
      const element = renderMessage(message);
      element.dataset.body = message.body;
      fragment.append(element);
    }
    list.prepend(fragment);
    scroller.scrollTop += scroller.scrollHeight - height; // keep the reader where they were
    hasOlder = Boolean(data.next);
    if (hasOlder) historyState.replaceChildren(loadOlderButton());
    else historyState.textContent = "This is the start of the conversation.";
    loadingOlder = false;
  }

  function loadOlderButton() {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "link-button";
    button.dataset.loadOlder = "";
    button.textContent = "Load older messages";
    button.addEventListener("click", loadOlder);
    return button;
  }

  historyState.querySelector("[data-load-older]")?.addEventListener("click", loadOlder);
  new IntersectionObserver((entries) => {
    if (entries.some((entry) => entry.isIntersecting)) loadOlder();
  }, { root: scroller }).observe(historyState);
  scroller.addEventListener("scroll", () => {
    if (atBottom()) {
      jump.hidden = true;
      markRead();
    }
  });
  jump.addEventListener("click", () => {
    scrollToBottom();
    markRead();
  });

  // --- connection

  onReconnect(() => {
    for (const roomId of rooms.keys()) subscribe(roomId);
  });
  scrollToBottom();
  if (location.hash.startsWith("#message-")) document.querySelector(location.hash)?.scrollIntoView();
}
