// The room list in the sidebar: unread badges, and where each room's stream is up to.
//
// Every room is subscribed with the id of the newest message this page has seen (`after`)
// and the revision it is up to date with, so a reconnect replays exactly what was missed,
// edits included. Rooms added live are cloned from the server-rendered
// <template id="chat-room-template"> (the same include as the list itself).
import { send } from "../socket.js";

export function createRooms(root) {
  const rooms = new Map(); // room id -> {item, lastId, revision, live, unread}
  const template = document.getElementById("chat-room-template");

  function register(item) {
    const badge = item.querySelector("[data-unread-badge]");
    const room = {
      item,
      lastId: Number(item.dataset.lastMessageId) || 0,
      revision: Number(item.dataset.revision) || 0,
      live: false,
      unread: badge && !badge.hidden ? Number.parseInt(badge.textContent, 10) || 0 : 0,
    };
    rooms.set(Number(item.dataset.roomId), room);
    return room;
  }
  for (const item of root.querySelectorAll(".chat-room-item[data-room-id]")) register(item);

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

  return {
    get: (roomId) => rooms.get(roomId),
    entries: () => rooms.entries(),
    setUnread,
    subscribe,

    subscribeAll() {
      for (const roomId of rooms.keys()) subscribe(roomId);
    },

    // A message (new, replayed or seen twice) reached the room: returns whether it is newer than any seen.
    seen(roomId, message) {
      const room = rooms.get(roomId);
      if (!room) return false;
      const isNew = message.id > room.lastId;
      room.lastId = Math.max(room.lastId, message.id);
      if (room.live) room.revision = Math.max(room.revision, message.revision);
      return isNew;
    },

    trackRevision(roomId, message) {
      const room = rooms.get(roomId);
      if (room && room.live) room.revision = Math.max(room.revision, message.revision);
    },

    subscribed(frame) {
      const room = rooms.get(frame.room);
      if (!room) return false;
      room.lastId = Math.max(room.lastId, frame.last_id);
      room.revision = Math.max(room.revision, frame.revision);
      room.live = true;
      return true;
    },

    add(info) {
      if (rooms.has(info.id)) return;
      const section = root.querySelector(`[data-room-section="${info.kind}"]`);
      if (!section || !template) return;
      section.querySelector(".chat-room-empty")?.remove();
      const item = template.content.firstElementChild.cloneNode(true);
      item.dataset.roomId = info.id;
      item.dataset.lastMessageId = info.last_message_id;
      item.dataset.revision = info.revision;
      item.dataset.kind = info.kind;
      item.dataset.level = "all";
      item.querySelector("[data-slot=link]").href = info.url;
      item.querySelector("[data-slot=name]").textContent = info.name;
      const sigil = item.querySelector("[data-slot=sigil]");
      if (sigil) sigil.textContent = info.kind === "department" ? "#" : "●";
      section.append(item);
      register(item);
      setUnread(info.id, info.unread_count);
      subscribe(info.id);
    },

    remove(roomId) {
      const room = rooms.get(roomId);
      if (!room) return false;
      room.item.remove();
      rooms.delete(roomId);
      return true;
    },
  };
}
