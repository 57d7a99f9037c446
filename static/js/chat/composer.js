// Sending: the composer, messages on their way, and the typing signal.
//
// Sends carry a client_id and stay "pending" until their message comes back; after a
// reconnect, a rate limit or a silence of 10 s they are sent again, which the server answers
// with the original message (never a copy). @mentions are completed by ../mentions.js.
// A text the communication policy warns about (`policy_warning`) is held until the author
// sends it anyway or takes it back; one refused for an unaccepted policy goes back to the box.
import { request } from "../http.js";
import { send } from "../socket.js";

const RETRY_AFTER_MS = 10000;
const TYPING_EVERY_MS = 3000;

function uuid4() {
  // crypto.randomUUID needs a secure context; an intranet on plain http is not one.
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function createComposer(root, { roomId, maxLength, messages, sendUrl }) {
  const form = root.querySelector("[data-composer]");
  const textarea = form.querySelector("textarea");
  const attach = form.querySelector("[data-attach]");
  const attached = form.querySelector("[data-attached]");
  form.noValidate = true; // checked here: a message with files may have no text
  const composerError = form.querySelector("[data-composer-error]");
  const pending = new Map(); // client_id -> {body, element, sentAt}
  let disabled = false;
  let retryTimer = null;
  let lastTypingSent = 0;

  function showError(text) {
    composerError.replaceChildren(text);
    composerError.hidden = !text;
  }

  function sendPending(clientId, item) {
    if (item.held) return;
    const frame = { type: "chat.send", room: roomId, body: item.body, client_id: clientId };
    if (item.confirm) frame.confirm = true;
    send(frame);
  }

  // Messages left unconfirmed by a dropped connection: resending is safe (client_id).
  function resendAll() {
    for (const [clientId, item] of pending) sendPending(clientId, item);
  }

  // Take every message on its way back into the text box (nothing was stored).
  function takeBack() {
    const bodies = [];
    for (const item of pending.values()) {
      item.element.remove();
      bodies.push(item.body);
    }
    pending.clear();
    if (bodies.length) textarea.value = [...bodies, textarea.value].filter(Boolean).join("\n");
  }

  function holdForPolicy(detail) {
    for (const item of pending.values()) item.held = true;
    const anyway = document.createElement("button");
    anyway.type = "button";
    anyway.textContent = "Send anyway";
    const cancel = document.createElement("button");
    cancel.type = "button";
    cancel.className = "button-secondary";
    cancel.textContent = "Cancel";
    anyway.addEventListener("click", () => {
      showError("");
      for (const [clientId, item] of pending) {
        Object.assign(item, { held: false, confirm: true, sentAt: Date.now() });
        sendPending(clientId, item);
      }
    });
    cancel.addEventListener("click", () => {
      showError("");
      takeBack();
      textarea.focus();
    });
    composerError.replaceChildren(detail, " ", anyway, " ", cancel);
    composerError.hidden = false;
    anyway.focus();
  }

  // Files go over HTTP (multipart) to the same view as the no-JavaScript form; the message
  // then arrives over the socket like any other.
  async function upload(body) {
    const data = new FormData();
    data.append("body", body);
    data.append("client_id", uuid4());
    for (const file of attach.files) data.append("files", file);
    showError("");
    attached.textContent = "Uploading…";
    let answer;
    try {
      answer = await request(sendUrl, { method: "POST", body: data, form });
    } catch {
      attached.textContent = "";
      showError("The files could not be sent: you seem to be offline. Try again when the connection is back.");
      return;
    }
    if (!answer.ok) {
      attached.textContent = "";
      showError(answer.data?.detail || "The files could not be sent.");
      return;
    }
    attach.value = "";
    attached.hidden = true;
    textarea.value = "";
  }

  attach?.addEventListener("change", () => {
    const names = [...attach.files].map((file) => file.name);
    attached.textContent = names.length ? `To send: ${names.join(", ")}` : "";
    attached.hidden = !names.length;
  });

  function submit() {
    const body = textarea.value.trim();
    if (disabled) return;
    if (attach?.files.length) {
      upload(body);
      return;
    }
    if (!body) return;
    if (body.length > maxLength) {
      showError(`A message can be at most ${maxLength} characters long; this one has ${body.length}.`);
      return;
    }
    showError("");
    const clientId = uuid4();
    const item = { body, element: messages.showPending(body), sentAt: Date.now() };
    pending.set(clientId, item);
    sendPending(clientId, item);
    textarea.value = "";
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    submit();
  });

  // mentions.js handles Enter first (capture phase) while its list is open.
  textarea.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing && !event.defaultPrevented) {
      event.preventDefault();
      submit();
    } else if (event.key === "ArrowUp" && !textarea.value && !event.defaultPrevented && messages.editLast()) {
      event.preventDefault(); // Up in an empty box edits your last message, as in Slack
    }
  });

  textarea.addEventListener("input", () => {
    if (textarea.value.trim() && Date.now() - lastTypingSent > TYPING_EVERY_MS) {
      lastTypingSent = Date.now();
      send({ type: "typing", room: roomId });
    }
  });

  // Unconfirmed after a while although the socket is up: say so, and try again (idempotent).
  setInterval(() => {
    for (const [clientId, item] of pending) {
      if (!item.held && Date.now() - item.sentAt > RETRY_AFTER_MS) {
        item.element.querySelector("[data-slot=state]").textContent = "Not delivered yet: retrying…";
        item.sentAt = Date.now();
        sendPending(clientId, item);
      }
    }
  }, 2000);

  return {
    // The server sent back a message: if it was one of ours on its way, it has arrived.
    confirm(clientId) {
      const item = clientId && pending.get(clientId);
      if (!item) return;
      item.element.remove();
      pending.delete(clientId);
    },

    resendAll,

    onError(frame) {
      if (frame.code === "policy_warning") {
        holdForPolicy(frame.detail);
        return;
      }
      if (frame.code === "policy_not_accepted") {
        takeBack();
        showError(frame.detail);
        return;
      }
      if (frame.code === "rate_limited") {
        // Pending messages are kept and sent again: the server returns each one once.
        showError(`${frame.detail} Your messages will be sent automatically.`);
        clearTimeout(retryTimer);
        retryTimer = setTimeout(resendAll, 3000);
        return;
      }
      if (["body_too_long", "empty_body", "bad_body", "forbidden", "unknown_message"].includes(frame.code)) {
        showError(frame.detail);
      }
    },

    disable() {
      disabled = true;
      for (const control of form.elements) control.disabled = true;
    },
  };
}
