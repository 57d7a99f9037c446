// The messages of the open room: live ones, edits and deletes, older ones on scroll-up.
//
// Every message, whether the server rendered it into the page or it arrived later, comes
// from the one Django include chat/_message.html: live ones are clones of its
// <template id="chat-message-template"> filled with textContent, plus the message's `html`,
// which the server rendered and sanitised (nh3). Messages are keyed by id: a frame seen
// twice changes nothing, and the list stays in id order whatever order frames arrive in.
import { getJSON } from "../http.js";
import { send } from "../socket.js";
import { fullTime, shortTime } from "../when.js";

export function createMessages(root, { me, roomId, canModerate, maxLength, lastSeenId }) {
  const list = root.querySelector("[data-messages]");
  const scroller = root.querySelector("[data-chat-scroll]");
  const historyState = root.querySelector("[data-history-state]");
  const jump = root.querySelector("[data-jump-latest]");
  const template = document.getElementById("chat-message-template");
  const profileUrl = (userId) => root.dataset.profileUrl.replace(/\/0\/$/, `/${userId}/`);
  let hasOlder = Boolean(historyState.querySelector("[data-load-older]"));
  let loadingOlder = false;

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
    time.textContent = shortTime(date); // in the person's own zone, like every time on the site
    time.title = fullTime(date);
  }

  function blank(author) {
    const item = template.content.firstElementChild.cloneNode(true);
    const link = item.querySelector("[data-slot=author]");
    link.textContent = author.name;
    link.href = profileUrl(author.id);
    item.classList.toggle("mine", author.id === me.id);
    return item;
  }

  function render(message) {
    const item = blank(message.author);
    item.id = `message-${message.id}`;
    item.dataset.messageId = message.id;
    item.dataset.authorId = message.author.id;
    item.dataset.revision = message.revision;
    item.dataset.body = message.body;
    item.querySelector("[data-slot=time]").setAttribute("datetime", message.created_at);
    const edited = item.querySelector("[data-slot=edited]");
    if (message.edited_at) edited.hidden = false;
    else edited.remove();
    item.querySelector("[data-slot=body]").innerHTML = message.html; // rendered and sanitised by the server
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
    if (mine) actions.append(button("Edit", "link-button", () => startEdit(element)));
    actions.append(
      button("Delete", "link-button danger", () => {
        if (window.confirm("Delete this message for everyone?")) {
          send({ type: "chat.delete", message: Number(element.dataset.messageId) });
        }
      }),
    );
    element.append(actions);
  }

  function button(text, className, onClick) {
    const element = document.createElement("button");
    element.type = "button";
    element.className = className;
    element.textContent = text;
    element.addEventListener("click", onClick);
    return element;
  }

  function startEdit(element) {
    if (element.querySelector(".chat-edit")) return;
    const id = Number(element.dataset.messageId);
    const body = element.querySelector("[data-slot=body]");
    const editor = document.createElement("form");
    editor.className = "chat-edit";
    const input = document.createElement("textarea");
    input.rows = 3;
    input.maxLength = maxLength;
    input.setAttribute("aria-label", "Edit message");
    input.dataset.mentions = "";
    input.dataset.mentionRoom = String(roomId);
    input.value = element.dataset.body ?? body.textContent;
    const cancel = button("Cancel", "button-secondary", () => close());
    const save = document.createElement("button");
    save.type = "submit";
    save.textContent = "Save";
    editor.append(input, save, cancel);
    body.hidden = true;
    body.after(editor);
    input.focus();
    function close() {
      editor.remove();
      body.hidden = false;
    }
    editor.addEventListener("submit", (event) => {
      event.preventDefault();
      const text = input.value.trim();
      if (text) send({ type: "chat.edit", message: id, body: text });
      close();
    });
  }

  async function loadOlder() {
    if (!hasOlder || loadingOlder) return;
    loadingOlder = true;
    const oldest = list.querySelector("[data-message-id]");
    const before = oldest ? Number(oldest.dataset.messageId) : lastSeenId() + 1;
    historyState.textContent = "Loading older messages…";
    let data;
    try {
      data = await getJSON(`/api/v1/chat/rooms/${roomId}/messages/?before=${before}`);
    } catch {
      historyState.replaceChildren(loadOlderButton());
      loadingOlder = false;
      return;
    }
    const height = scroller.scrollHeight;
    const fragment = document.createDocumentFragment();
    for (const message of data.results.slice().reverse()) {
      if (!document.getElementById(`message-${message.id}`)) fragment.append(render(message));
    }
    list.prepend(fragment);
    scroller.scrollTop += scroller.scrollHeight - height; // keep the reader where they were
    hasOlder = Boolean(data.next);
    if (hasOlder) historyState.replaceChildren(loadOlderButton());
    else historyState.textContent = "This is the start of the conversation.";
    loadingOlder = false;
  }

  function loadOlderButton() {
    const element = button("Load older messages", "link-button", loadOlder);
    element.dataset.loadOlder = "";
    return element;
  }

  // History: infinite scroll upward, or the button.
  historyState.querySelector("[data-load-older]")?.addEventListener("click", loadOlder);
  new IntersectionObserver((entries) => {
    if (entries.some((entry) => entry.isIntersecting)) loadOlder();
  }, { root: scroller }).observe(historyState);

  return {
    scrollToBottom,
    atBottom,

    // A link to one message (a notification, a search result): load older history until it
    // is there, then bring it into view and mark it for a moment.
    async reveal(messageId) {
      for (let pages = 0; pages < 40 && !document.getElementById(`message-${messageId}`) && hasOlder; pages++) {
        await loadOlder();
      }
      const element = document.getElementById(`message-${messageId}`);
      if (!element) return false;
      element.scrollIntoView({ block: "center" });
      element.classList.add("chat-message-target");
      element.setAttribute("tabindex", "-1");
      element.focus({ preventScroll: true });
      return true;
    },

    newestId() {
      let newest = 0;
      for (const element of list.querySelectorAll("[data-message-id]")) {
        newest = Math.max(newest, Number(element.dataset.messageId));
      }
      return newest;
    },

    enhanceAll() {
      for (const element of list.querySelectorAll("[data-message-id]")) enhance(element);
    },

    // A new or replayed message; returns false when it replaced one already shown.
    insert(message) {
      const element = render(message);
      const existing = document.getElementById(`message-${message.id}`);
      if (existing) {
        existing.replaceWith(element);
        return false;
      }
      const stick = atBottom();
      let before = null;
      for (let node = list.lastElementChild; node; node = node.previousElementSibling) {
        if (!node.dataset.messageId || Number(node.dataset.messageId) < message.id) break;
        before = node;
      }
      list.insertBefore(element, before);
      if (stick || message.author.id === me.id) scrollToBottom();
      else jump.hidden = false;
      return true;
    },

    replace(message) {
      document.getElementById(`message-${message.id}`)?.replaceWith(render(message));
    },

    remove(messageId) {
      document.getElementById(`message-${messageId}`)?.remove();
    },

    // A message on its way: the author's own, marked pending until the server sends it back.
    showPending(body) {
      const item = blank(me);
      item.classList.add("pending");
      item.querySelector("[data-slot=edited]").remove();
      const state = document.createElement("span");
      state.className = "chat-pending-state muted";
      state.dataset.slot = "state";
      state.textContent = "Sending…";
      item.querySelector("[data-slot=time]").replaceWith(state);
      item.querySelector("[data-slot=body]").textContent = body;
      list.append(item);
      scrollToBottom();
      return item;
    },

  };
}
