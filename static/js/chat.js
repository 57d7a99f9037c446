// The chat page: live rooms over the shared /ws/ socket. This module wires the parts:
//
//   chat/rooms.js     the sidebar: unread badges, subscriptions, rooms added or removed live
//   chat/messages.js  the open room's messages (one template with the server's), history
//   chat/composer.js  sending, pending messages and their resends, the typing signal
//   chat/presence.js  who is online and who is typing
//   chat/threads.js   the thread pane and the pinned messages
//   mentions.js       @mention autocomplete (shared with the feed)
//
// Frames come from socket.js; what each one does to which part is decided here.
import { createComposer } from "./chat/composer.js";
import { createMessages } from "./chat/messages.js";
import { createPresence } from "./chat/presence.js";
import { createRooms } from "./chat/rooms.js";
import { createSidePanes } from "./chat/threads.js";
import "./mentions.js";
import { on, onReconnect, send } from "./socket.js";
import { setChatUnread } from "./unread.js";

const root = document.getElementById("chat");
if (root && root.dataset.roomId) start(root);

function start(root) {
  const me = { id: Number(root.dataset.userId), name: root.dataset.userName };
  const roomId = Number(root.dataset.roomId);
  const maxLength = Number(root.dataset.maxLength) || 4000;
  const notice = root.querySelector("[data-chat-notice]");
  const scroller = root.querySelector("[data-chat-scroll]");
  const jump = root.querySelector("[data-jump-latest]");

  const rooms = createRooms(root);
  let panes = null;
  const messages = createMessages(root, {
    me,
    roomId,
    maxLength,
    canModerate: root.dataset.canModerate === "true",
    lastSeenId: () => rooms.get(roomId).lastId,
    onOpenThread: (messageId) => panes.openThread(messageId),
  });
  panes = createSidePanes(root, { roomId, messages });
  const composer = createComposer(root, { roomId, maxLength, messages, sendUrl: root.dataset.sendUrl });
  const presence = createPresence(root, { me, roomId, rooms });
  const here = rooms.get(roomId);
  here.lastId = Math.max(here.lastId, messages.newestId());
  messages.hydrate(JSON.parse(document.getElementById("chat-initial").textContent));
  let removed = false;

  // Unread: the nav badge and the title count every room but the muted ones.
  const levels = new Map();
  for (const item of root.querySelectorAll(".chat-room-item[data-room-id]")) {
    levels.set(Number(item.dataset.roomId), item.dataset.level || "all");
  }
  function updateTotal() {
    let total = 0;
    for (const [id, room] of rooms.entries()) if (levels.get(id) !== "nothing") total += room.unread;
    setChatUnread(total);
  }
  updateTotal();

  // The "new messages" line and a button to jump to it, when the first unread is out of view.
  const jumpUnread = root.querySelector("[data-jump-unread]");
  const firstUnread = messages.markFirstUnread(Number(root.dataset.lastRead) || 0);
  jumpUnread.addEventListener("click", () => {
    // The "New messages" line above it in view too, not just under the list's top edge.
    const divider = firstUnread?.previousElementSibling;
    (divider?.classList.contains("chat-divider") ? divider : firstUnread)?.scrollIntoView({ block: "start" });
    jumpUnread.hidden = true;
  });

  // Notification level: the select, and every tab of the person follows (`chat.level`).
  const levelSelect = root.querySelector("[data-level-select]");
  levelSelect.addEventListener("change", () => send({ type: "chat.level", room: roomId, level: levelSelect.value }));
  on("chat.level", (frame) => {
    levels.set(frame.room, frame.level);
    const item = rooms.get(frame.room)?.item;
    if (item) {
      item.dataset.level = frame.level;
      item.classList.toggle("muted-room", frame.level === "nothing");
      item.querySelector("[data-muted-mark]").hidden = frame.level !== "nothing";
    }
    if (frame.room === roomId) {
      levelSelect.value = frame.level;
      root.dataset.level = frame.level;
    }
    updateTotal();
  });

  // Level "all": a desktop notification for every message from others while the page is not in front.
  function desktopNotify(frame) {
    const wanted = "Notification" in window && Notification.permission === "granted" &&
      localStorage.getItem("intranet-desktop-notifications") === "on";
    if (!wanted || (document.visibilityState === "visible" && document.hasFocus())) return;
    if ((levels.get(frame.room) || "all") !== "all") return;
    const name = rooms.get(frame.room)?.item.querySelector("[data-slot=name]")?.textContent?.trim() ?? "Chat";
    const popup = new Notification(`${frame.message.author.name} in ${name}`, { body: frame.message.body.slice(0, 120), tag: `chat-${frame.message.id}` });
    popup.addEventListener("click", () => {
      window.focus();
      location.assign(`/chat/${frame.room}/#message-${frame.message.id}`);
    });
  }

  let readTimer = null;
  function markRead() {
    if (document.visibilityState !== "visible" || removed) return;
    clearTimeout(readTimer);
    readTimer = setTimeout(() => {
      const room = rooms.get(roomId);
      if (room && room.lastId > 0) send({ type: "chat.read", room: roomId, message: room.lastId });
    }, 300);
  }
  document.addEventListener("visibilitychange", markRead);

  on("chat.message", (frame) => {
    const message = frame.message;
    if (!rooms.get(frame.room)) return;
    const isNew = rooms.seen(frame.room, message);
    if (isNew && !frame.duplicate && message.author.id !== me.id) desktopNotify(frame);
    if (frame.room === roomId && message.parent) {
      panes.reply(message); // replies live in their thread; the parent's count comes as an edit
      markRead();
    } else if (frame.room === roomId) {
      messages.insert(message);
      composer.confirm(message.client_id);
      presence.stopTyping(message.author.id);
      markRead();
    } else if (isNew && !frame.duplicate && message.author.id !== me.id) {
      rooms.setUnread(frame.room, rooms.get(frame.room).unread + 1);
      updateTotal();
    }
  });

  on("chat.message_edited", (frame) => {
    rooms.trackRevision(frame.room, frame.message);
    if (frame.room !== roomId) return;
    const shown = document.getElementById(`message-${frame.message.id}`);
    const pinChanged = Boolean(shown) && shown.classList.contains("pinned") !== frame.message.pinned;
    messages.replace(frame.message);
    panes.update(frame.message, { pinChanged: pinChanged || !shown });
  });

  on("chat.message_deleted", (frame) => {
    rooms.trackRevision(frame.room, frame.message);
    if (frame.room !== roomId) return;
    messages.remove(frame.message.id);
    panes.removed(frame.message.id);
  });
  on("chat.thread", panes.showThread);
  on("chat.pins", panes.showPins);

  on("chat.subscribed", (frame) => {
    if (!rooms.subscribed(frame) || frame.room !== roomId) return;
    if (frame.gap) {
      // More came while away than a replay sends: the newest are shown, the rest are in the history.
      notice.textContent = "Some messages from while you were away are not shown here. Reload the page to see them.";
      notice.hidden = false;
    }
    markRead();
    composer.resendAll();
  });

  on("chat.read", (frame) => {
    rooms.setUnread(frame.room, frame.unread);
    updateTotal();
  });
  on("chat.room_added", (frame) => rooms.add(frame.room));

  on("chat.removed", (frame) => {
    if (!rooms.remove(frame.room) || frame.room !== roomId) return;
    removed = true;
    notice.textContent = `${frame.detail} New messages will not appear here.`;
    notice.hidden = false;
    composer.disable();
  });

  on("chat.presence", presence.onPresence);
  on("chat.typing", presence.onTyping);
  on("error", composer.onError);

  scroller.addEventListener("scroll", () => {
    if (messages.atBottom()) {
      jump.hidden = true;
      markRead();
    }
  });
  jump.addEventListener("click", () => {
    messages.scrollToBottom();
    markRead();
  });

  onReconnect(() => rooms.subscribeAll());
  messages.scrollToBottom();
  if (firstUnread && firstUnread.getBoundingClientRect().top < scroller.getBoundingClientRect().top) {
    jumpUnread.hidden = false;
  }
  const target = /^#message-(\d+)$/.exec(location.hash);
  if (target) messages.reveal(Number(target[1]));
}

// The skip link puts the cursor in the composer (a fragment link alone only scrolls to it).
document.querySelector("[data-skip-to-composer]")?.addEventListener("click", (event) => {
  const composer = document.getElementById("chat-body");
  if (!composer) return;
  event.preventDefault();
  composer.focus();
});
