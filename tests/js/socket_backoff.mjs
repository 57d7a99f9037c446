// Runs static/js/socket.js under node with a scripted WebSocket and clock, and prints the
// reconnect delays it chose, as JSON: tests/realtime/test_connect_storm.py reads them.
const sockets = [];
const timers = [];
class FakeWebSocket {
  static OPEN = 1;
  constructor(url) {
    this.url = url;
    this.readyState = 0;
    this.listeners = {};
    sockets.push(this);
  }
  addEventListener(type, callback) {
    (this.listeners[type] ||= []).push(callback);
  }
  emit(type, event = {}) {
    for (const callback of this.listeners[type] || []) callback(event);
  }
  send() {}
  close() {}
}
globalThis.WebSocket = FakeWebSocket;
globalThis.location = { protocol: "http:", host: "127.0.0.1" };
globalThis.navigator = { onLine: true };
globalThis.document = { documentElement: { dataset: {} }, querySelectorAll: () => [] };
globalThis.window = { addEventListener() {} };
globalThis.setTimeout = (callback, delay) => {
  timers.push({ callback, delay });
  return timers.length;
};
globalThis.clearTimeout = () => {};
globalThis.setInterval = () => 0;
globalThis.clearInterval = () => {};

await import(process.argv[2]);

// A full server refuses the HTTP upgrade (503): the browser reports a close without "open".
const delays = [];
sockets.at(-1).readyState = 3;
sockets.at(-1).emit("close", { code: 1006 });
delays.push(timers.at(-1).delay);
timers.at(-1).callback(); // the reconnect

// A full server that accepts, then closes with 4503, again and again; then one takes the socket.
for (let i = 0; i < 4; i += 1) {
  const socket = sockets.at(-1);
  socket.readyState = 1;
  socket.emit("open");
  socket.readyState = 3;
  socket.emit("close", { code: 4503 });
  delays.push(timers.at(-1).delay);
  timers.at(-1).callback(); // the reconnect
}
const socket = sockets.at(-1);
socket.readyState = 1;
socket.emit("open");
socket.emit("message", { data: JSON.stringify({ type: "hello", user: { id: 1, name: "x" } }) });
socket.readyState = 3;
socket.emit("close", { code: 1006 }); // a later network failure starts from the first delay again
delays.push(timers.at(-1).delay);
console.log(JSON.stringify(delays));
