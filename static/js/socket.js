// The one WebSocket per browser tab, at /ws/, shared by every feature on the page.
//
//   import { on, send, onReconnect } from "/static/js/socket.js";
//   on("chat.message", (frame) => ...);      // frames by their "type"
//   send({ type: "subscribe", room: 3, after: lastSeenId });
//   onReconnect(() => resubscribe());        // runs after every (re)connection
//
// It reconnects with exponential backoff and jitter (so that a reconnect storm after a
// deploy spreads out), and shows its state in any element with [data-connection-state]
// (and as <html data-connection="...">). A heartbeat finds a dead connection within
// HEARTBEAT_MS + PONG_TIMEOUT_MS even when the browser does not notice: "offline" then.
// Frames sent while disconnected are queued and sent on reconnect; an HTTP action that
// fails because the network is down (a reaction, a vote) shows a visible message instead
// of an uncaught error.

const listeners = new Map();
const reconnectCallbacks = [];
const queue = [];
let socket = null;
let attempt = 0;
let stopped = false;
let heartbeat = null;
let pongTimer = null;
let reconnectTimer = null;

const HEARTBEAT_MS = 10000;
const PONG_TIMEOUT_MS = 4000;
// Closed by the server on purpose: do not reconnect (signed out), or not at once.
const SIGNED_OUT = new Set([4401, 4403]);
// The server is full (apps/realtime/handshake.py): try again, but not before BUSY_MIN_ATTEMPT's delay.
// It refuses in the HTTP upgrade (503), which a browser reports only as a socket that closed
// without opening, or accepts and closes with 4503; both back off the same way.
const BUSY = 4503;
const BUSY_MIN_ATTEMPT = 2;

const LABELS = {
  connecting: "Connecting…",
  online: "Live",
  reconnecting: "Reconnecting…",
  offline: "Offline: reconnecting when the network is back",
  "not-sent": "Offline: that was not sent, try again when the network is back",
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

function alive() {
  clearTimeout(pongTimer);
  pongTimer = null;
}

function startHeartbeat(current) {
  clearInterval(heartbeat);
  heartbeat = setInterval(() => {
    if (current.readyState !== WebSocket.OPEN) return;
    current.send(JSON.stringify({ type: "ping" }));
    if (pongTimer === null) {
      pongTimer = setTimeout(() => {
        // No answer to the ping: the connection is dead even if the browser has not noticed.
        setState("offline");
        current.close(4000, "heartbeat timeout");
      }, PONG_TIMEOUT_MS);
    }
  }, HEARTBEAT_MS);
}

function connect() {
  clearTimeout(reconnectTimer);
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  setState(attempt === 0 ? "connecting" : "reconnecting");
  socket = new WebSocket(`${scheme}://${location.host}/ws/`);
  const current = socket;
  let opened = false;
  socket.addEventListener("open", () => {
    opened = true;
    // `attempt` is reset by the server's hello, not here: a full server accepts and closes
    // at once (4503), and resetting on "open" would retry it without backing off.
    setState("online");
    startHeartbeat(current);
    for (const callback of reconnectCallbacks) callback();
    while (queue.length && socket.readyState === WebSocket.OPEN) socket.send(queue.shift());
  });
  socket.addEventListener("message", (event) => {
    alive();
    let frame;
    try {
      frame = JSON.parse(event.data);
    } catch {
      return;
    }
    if (frame.type === "hello") attempt = 0;
    dispatch(frame);
  });
  socket.addEventListener("close", (event) => {
    if (socket !== current) return; // an older socket, already replaced
    socket = null;
    clearInterval(heartbeat);
    alive();
    if (SIGNED_OUT.has(event.code)) {
      // The session ended (logout, deactivation): reconnecting would be refused.
      stopped = true;
      setState("signed-out");
      return;
    }
    if (stopped) return;
    const refused = event.code === BUSY || !opened;
    attempt = refused ? Math.max(attempt + 1, BUSY_MIN_ATTEMPT) : attempt + 1;
    // Equal jitter: between half and all of the exponential delay, so a storm spreads out.
    const delay = Math.min(30000, 500 * 2 ** Math.min(attempt, 6)) * (0.5 + Math.random() / 2);
    setState(navigator.onLine === false ? "offline" : "reconnecting");
    reconnectTimer = setTimeout(connect, delay);
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

window.addEventListener("offline", () => {
  setState("offline");
  if (socket) socket.close(4000, "offline"); // reconnects with backoff; "online" below retries at once
});

// An action over HTTP while the network is down (fetch rejects with a TypeError): say so.
window.addEventListener("unhandledrejection", (event) => {
  if (event.reason instanceof TypeError && (navigator.onLine === false || !isOnline())) {
    event.preventDefault();
    setState("not-sent");
    setTimeout(() => setState(isOnline() ? "online" : navigator.onLine === false ? "offline" : "reconnecting"), 5000);
  }
});

window.addEventListener("online", () => {
  if (!socket && !stopped) {
    attempt = 0;
    connect();
  }
});

connect();
