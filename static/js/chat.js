// The chat page: live rooms over the shared /ws/ socket. This module wires the parts:
//
//   chat/rooms.js     the sidebar: unread badges, subscriptions, rooms added or removed live
//   chat/messages.js  the open room's messages (one template with the server's), history
//   chat/composer.js  sending, pending messages and their resends, the typing signal
//   chat/presence.js  who is online and who is typing
//   mentions.js       @mention autocomplete (shared with the feed)
//
// Frames come from socket.js; what each one does to which part is decided here.
import { createComposer } from "./chat/composer.js";
import { createMessages } from "./chat/messages.js";
import { createPresence } from "./chat/presence.js";
import { createRooms } from "./chat/rooms.js";
import "./mentions.js";
import { on, onReconnect, send } from "./socket.js";

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
  const messages = createMessages(root, {
    me,
    roomId,
    maxLength,
    canModerate: root.dataset.canModerate === "true",
    lastSeenId: () => rooms.get(roomId).lastId,
  });
  const composer = createComposer(root, { roomId, maxLength, messages });
  const presence = createPresence(root, { me, roomId, rooms });
  const here = rooms.get(roomId);
  here.lastId = Math.max(here.lastId, messages.newestId());
  messages.enhanceAll();
  let removed = false;

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
    if (frame.room === roomId) {
      messages.insert(message);
      composer.confirm(message.client_id);
      presence.stopTyping(message.author.id);
      markRead();
    } else if (isNew && !frame.duplicate && message.author.id !== me.id) {
      rooms.setUnread(frame.room, rooms.get(frame.room).unread + 1);
    }
  });

  on("chat.message_edited", (frame) => {
    rooms.trackRevision(frame.room, frame.message);
    if (frame.room === roomId) messages.replace(frame.message);
  });

  on("chat.message_deleted", (frame) => {
    rooms.trackRevision(frame.room, frame.message);
    if (frame.room === roomId) messages.remove(frame.message.id);
  });

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

  on("chat.read", (frame) => rooms.setUnread(frame.room, frame.unread));
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
  const target = /^#message-(\d+)$/.exec(location.hash);
  if (target) messages.reveal(Number(target[1]));
}
