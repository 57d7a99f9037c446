// Who is here and who is typing: the open room's presence line and typing line, and the
// online dot of each direct-message room in the sidebar.
export function createPresence(root, { me, roomId, rooms }) {
  const typingLine = root.querySelector("[data-typing]");
  const presenceLine = root.querySelector("[data-presence-summary]");
  const typing = new Map(); // user id -> {name, timer}
  let onlineHere = new Map(); // user id -> name, in the open room (rooms up to 100 readers)
  let onlineCount = 0; // everyone online in the open room, me included

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

  function updateDirectDot(room, frame) {
    const other = Number(room.item.dataset.otherUserId);
    const dot = room.item.querySelector("[data-presence-dot]");
    if (!dot) return;
    const isOnline = frame.full
      ? frame.online.some((user) => user.id === other)
      : frame.online.some((user) => user.id === other) ||
        (dot.classList.contains("online") && !frame.offline.includes(other));
    dot.classList.toggle("online", isOnline);
    dot.title = isOnline ? "Online" : "Offline";
  }

  return {
    stopTyping,

    onPresence(frame) {
      const room = rooms.get(frame.room);
      if (!room) return;
      if (room.item.dataset.otherUserId) updateDirectDot(room, frame);
      if (frame.room !== roomId) return;
      if (frame.full) onlineHere = new Map();
      for (const user of frame.online) if (user.id !== me.id) onlineHere.set(user.id, user.name);
      for (const id of frame.offline) onlineHere.delete(id);
      onlineCount = frame.count;
      renderPresence(frame.listed);
    },

    onTyping(frame) {
      if (frame.room !== roomId || frame.user.id === me.id) return;
      stopTyping(frame.user.id);
      typing.set(frame.user.id, { name: frame.user.name, timer: setTimeout(() => stopTyping(frame.user.id), 5000) });
      renderTyping();
    },
  };
}
