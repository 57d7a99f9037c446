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

// The reactions chat offers: the feed's (apps/feed/models.py REACTION_EMOJI), in its order.
export const REACTIONS = [
  ["thumbs_up", "👍", "Thumbs up"],
  ["heart", "❤️", "Heart"],
  ["party", "🎉", "Celebrate"],
  ["laugh", "😄", "Laugh"],
  ["surprised", "😮", "Surprised"],
  ["thinking", "🤔", "Thinking"],
];

export function createMessages(root, { me, roomId, canModerate, maxLength, lastSeenId, onOpenThread }) {
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
    item.classList.toggle("pinned", Boolean(message.pinned));
    item.querySelector("[data-slot=pinned]").hidden = !message.pinned;
    if (message.parent) item.dataset.parent = message.parent;
    renderFiles(item.querySelector("[data-slot=files]"), message.files || []);
    renderReactions(item.querySelector("[data-slot=reactions]"), message);
    const replies = item.querySelector("[data-slot=replies]");
    replies.hidden = !message.reply_count || Boolean(message.parent);
    replies.textContent = `${message.reply_count} ${message.reply_count === 1 ? "reply" : "replies"}`;
    replies.addEventListener("click", () => onOpenThread?.(message.id));
    item.chatMessage = message;
    enhance(item);
    return item;
  }

  function renderFiles(container, files) {
    container.replaceChildren();
    for (const file of files) {
      const link = document.createElement("a");
      link.className = "chat-file";
      link.href = file.url;
      if (file.image) {
        link.classList.add("chat-file-image");
        link.target = "_blank";
        link.rel = "noopener";
        const image = document.createElement("img");
        image.src = file.url;
        image.alt = file.name;
        image.loading = "lazy";
        link.append(image);
      } else {
        link.download = file.name;
        const size = document.createElement("span");
        size.className = "muted";
        size.textContent = ` (${formatSize(file.size)})`;
        link.append(file.name, size);
      }
      container.append(link);
    }
  }

  function renderReactions(container, message) {
    container.replaceChildren();
    if (message.deleted) return;
    for (const reaction of message.reactions || []) {
      const label = REACTIONS.find(([key]) => key === reaction.key)?.[2] ?? reaction.key;
      const chip = button(`${reaction.emoji} ${reaction.count}`, "chat-reaction", () => react(message.id, reaction.key));
      const mine = reaction.users.includes(me.id);
      chip.setAttribute("aria-pressed", String(mine));
      chip.dataset.reaction = reaction.key;
      chip.setAttribute("aria-label", `${label}: ${reaction.count} (${reaction.names.join(", ")})${mine ? ", including you" : ""}`);
      chip.title = reaction.names.join(", ");
      container.append(chip);
    }
  }

  function react(messageId, key) {
    send({ type: "chat.react", message: messageId, emoji: key });
  }

  function openPicker(element, opener) {
    element.querySelector(".chat-reaction-picker")?.remove();
    const picker = document.createElement("div");
    picker.className = "chat-reaction-picker";
    picker.setAttribute("role", "group");
    picker.setAttribute("aria-label", "Pick a reaction");
    for (const [key, emoji, label] of REACTIONS) {
      const choice = button(emoji, "chat-reaction-choice", () => {
        react(Number(element.dataset.messageId), key);
        picker.remove();
        opener.focus();
      });
      choice.setAttribute("aria-label", label);
      choice.dataset.reactionChoice = key;
      picker.append(choice);
    }
    picker.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        picker.remove();
        opener.focus();
      }
    });
    element.querySelector("[data-slot=reactions]").after(picker);
    picker.firstElementChild.focus();
  }

  function enhance(element) {
    formatTime(element);
    for (const mention of element.querySelectorAll(`.mention[data-user-id="${me.id}"]`)) mention.classList.add("me");
    const mine = Number(element.dataset.authorId) === me.id;
    const id = Number(element.dataset.messageId);
    const actions = document.createElement("div");
    actions.className = "chat-message-actions";
    const reactButton = button("React", "link-button", () => openPicker(element, reactButton));
    reactButton.setAttribute("aria-label", "Add a reaction");
    actions.append(reactButton);
    if (!element.dataset.parent) {
      actions.append(button("Reply", "link-button", () => onOpenThread?.(id)));
      const pinned = element.classList.contains("pinned");
      actions.append(
        button(pinned ? "Unpin" : "Pin", "link-button", () => send({ type: "chat.pin", message: id, pinned: !pinned })),
      );
    }
    if (mine) actions.append(button("Edit", "link-button", () => startEdit(element)));
    if (mine || canModerate) {
      actions.append(
        button("Delete", "link-button danger", () => {
          if (window.confirm("Delete this message for everyone?")) send({ type: "chat.delete", message: id });
        }),
      );
    }
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

  function formatSize(bytes) {
    if (bytes < 1024) return `${bytes} B`;
    if (bytes < 1048576) return `${(bytes / 1024).toFixed(0)} KB`;
    return `${(bytes / 1048576).toFixed(1)} MB`;
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
      if (!message.parent && !document.getElementById(`message-${message.id}`)) fragment.append(render(message));
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
    render,
    startEdit,

    // Up in an empty composer: edit the newest message of mine in the room.
    editLast() {
      const mine = [...list.querySelectorAll(`[data-message-id][data-author-id="${me.id}"]`)];
      const last = mine.at(-1);
      if (!last) return false;
      last.scrollIntoView({ block: "nearest" });
      startEdit(last);
      return true;
    },

    // The "new messages" line above the first message by someone else after the read position.
    markFirstUnread(lastReadId) {
      list.querySelector(".chat-divider")?.remove();
      const first = [...list.querySelectorAll("[data-message-id]")].find(
        (element) => Number(element.dataset.messageId) > lastReadId && Number(element.dataset.authorId) !== me.id,
      );
      if (!first) return null;
      const divider = document.createElement("li");
      divider.className = "chat-divider";
      divider.textContent = "New messages";
      list.insertBefore(divider, first);
      return first;
    },

    hydrate(payloads) {
      for (const message of payloads) {
        document.getElementById(`message-${message.id}`)?.replaceWith(render(message));
      }
    },

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
      const existing = list.querySelector(`#message-${message.id}`);
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
      const existing = list.querySelector(`#message-${message.id}`);
      if (existing) existing.replaceWith(render(message));
    },

    remove(messageId) {
      list.querySelector(`#message-${messageId}`)?.remove();
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
