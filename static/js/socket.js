// The one WebSocket per browser tab, at /ws/, shared by every feature on the page.
//
//   import { on, send, onReconnect } from "/static/js/socket.js";
//   on("chat.message", (frame) => ...);      // frames by their "type"
//   send({ type: "subscribe", room: 3, after: lastSeenId });
//   onReconnect(() => resubscribe());        // runs after every (re)connection
//
// It reconnects with exponential backoff and jitter, and shows its state in any element
// with [data-connection-state] (and as <html data-connection="...">).

const listeners = new Map();
const reconnectCallbacks = [];
const queue = [];
let socket = null;
let attempt = 0;
let stopped = false;

const LABELS = {
  connecting: "Connecting…",
  online: "Live",
  reconnecting: "Reconnecting…",
  offline: "Offline: reconnecting when the network is back",
  "signed-out": "Signed out",
};

function setState(state) {
  document.documentElement.dataset.connection = state;
  for (const element of document.querySelectorAll("[data-connection-state]")) {
    element.textContent = LABELS[state] || state;
    element.dataset.state = state;
  }
}

function dispatch(frame) {
  for (const callback of listeners.get(frame.type) || []) {
    try {
      callback(frame);
    } catch (error) {
      console.error("socket listener failed", error);
    }
  }
  for (const callback of listeners.get("*") || []) callback(frame);
}

function connect() {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  setState(attempt === 0 ? "connecting" : "reconnecting");
  socket = new WebSocket(`${scheme}://${location.host}/ws/`);
  socket.addEventListener("open", () => {
    attempt = 0;
    setState("online");
    for (const callback of reconnectCallbacks) callback();
    while (queue.length && socket.readyState === WebSocket.OPEN) socket.send(queue.shift());
  });
  socket.addEventListener("message", (event) => {
    let frame;
    try {
      frame = JSON.parse(event.data);
    } catch {
      return;
    }
    dispatch(frame);
  });
  socket.addEventListener("close", (event) => {
    socket = null;
    if (event.code === 4401 || event.code === 4403) {
      // The session ended (logout, deactivation): reconnecting would be refused.
      stopped = true;
      setState("signed-out");
      return;
    }
    if (stopped) return;
    attempt += 1;
    const delay = Math.min(30000, 500 * 2 ** Math.min(attempt, 6)) * (0.5 + Math.random() / 2);
    setState(navigator.onLine === false ? "offline" : "reconnecting");
    setTimeout(connect, delay);
  });
}

export function on(type, callback) {
  if (!listeners.has(type)) listeners.set(type, new Set());
  listeners.get(type).add(callback);
  return () => listeners.get(type).delete(callback);
}

export function onReconnect(callback) {
  reconnectCallbacks.push(callback);
  if (socket && socket.readyState === WebSocket.OPEN) callback();
}

export function send(frame) {
  const text = JSON.stringify(frame);
  if (socket && socket.readyState === WebSocket.OPEN) socket.send(text);
  else queue.push(text);
}

export function isOnline() {
  return Boolean(socket && socket.readyState === WebSocket.OPEN);
}

window.addEventListener("online", () => {
  if (!socket && !stopped) {
    attempt = 0;
    connect();
  }
});

connect();
