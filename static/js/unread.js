// Unread chat messages in the top navigation and in the tab's title: "(3) Chat · Intranet".
// The server renders the count on every page (apps/chat/context_processors.py); the chat page
// keeps it live from its room list (rooms muted with "Nothing" do not count).
const badge = document.getElementById("chat-badge");
const baseTitle = document.title.replace(/^\(\d+\+?\) /, "");

export function setChatUnread(count) {
  if (!badge) return;
  badge.textContent = count > 99 ? "99+" : String(count);
  badge.hidden = count === 0;
  badge.setAttribute("aria-label", `${count} unread chat message${count === 1 ? "" : "s"}`);
  document.title = count > 0 ? `(${count > 99 ? "99+" : count}) ${baseTitle}` : baseTitle;
}

if (badge) setChatUnread(Number.parseInt(badge.dataset.count, 10) || 0);
