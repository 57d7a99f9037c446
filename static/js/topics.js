// Watch live topics (a feed, an idea board) over the shared socket, re-watching after reconnects.
import { onReconnect, send } from "./socket.js";

const watched = new Set();

export function watch(topic) {
  watched.add(topic);
  send({ type: "watch", topic });
}

export function unwatch(topic) {
  watched.delete(topic);
  send({ type: "unwatch", topic });
}

onReconnect(() => {
  for (const topic of watched) send({ type: "watch", topic });
});
