// The feed: live posts, comments and reactions, infinite scroll, reactions without a
// reload and an image lightbox; mentions.js completes @names in every composer. Everything
// also works without JavaScript through the plain forms and links; this only makes it smoother.
import { fetchHTML, request } from "./http.js";
import "./composer.js";
import "./mentions.js";
import { on } from "./socket.js";
import { watch } from "./topics.js";

const feed = document.getElementById("feed");
const announcer = document.getElementById("live-announcer");

function announce(text) {
  if (announcer) announcer.textContent = text;
}

function cardURL(postId) {
  const next = encodeURIComponent(location.pathname + location.search);
  const single = feed.dataset.singlePost ? "&single=1" : "";
  return feed.dataset.cardUrl.replace(/\/0\/card\/$/, `/${postId}/card/`) + `?next=${next}${single}`;
}

async function refreshCard(postId, { insert = false } = {}) {
  const existing = document.getElementById(`post-${postId}`);
  if (!existing && !insert) return;
  const fragment = await fetchHTML(cardURL(postId));
  const card = fragment?.querySelector("li.post");
  if (!card) return;
  if (existing) {
    // Keep a comment someone is writing in this card: copy the draft across.
    const draft = existing.querySelector("[data-card-comment] textarea");
    const typing = draft && draft.value && document.activeElement === draft;
    if (typing) return;
    existing.replaceWith(card);
    collapseLong(card);
  }
  else {
    const list = feed.querySelector("[data-page]");
    list?.querySelector(".empty")?.remove();
    list?.prepend(card);
    card.classList.add("post-new");
    collapseLong(card);
  }
}

if (feed) {
  for (const topic of (feed.dataset.watch || "").split(/\s+/).filter(Boolean)) watch(topic);
  const singlePost = feed.dataset.singlePost;

  on("feed.post", async (frame) => {
    if (singlePost && String(frame.post) !== singlePost) return;
    if (frame.action === "deleted") {
      document.getElementById(`post-${frame.post}`)?.remove();
      return;
    }
    await refreshCard(frame.post, { insert: frame.action === "created" && !singlePost });
    if (frame.action === "created") announce("A new post appeared at the top of the feed.");
  });

  on("feed.comment", async (frame) => {
    const card = document.getElementById(`post-${frame.post}`);
    if (!card) return;
    if (singlePost) {
      const fragment = await fetchHTML(`${location.pathname}?fragment=comments`);
      const section = fragment?.querySelector("#comments");
      const current = document.getElementById("comments");
      if (section && current && !current.contains(document.activeElement)) current.replaceWith(section);
      for (const count of card.querySelectorAll("[data-comment-count]")) count.textContent = frame.comment_count;
    } else {
      await refreshCard(frame.post);
    }
    if (frame.action === "created") announce("A new comment was posted.");
  });

  on("feed.reactions", (frame) => updateReactions(frame.post, frame.counts));
}

function updateReactions(postId, counts, mine) {
  const card = document.getElementById(`post-${postId}`);
  if (!card) return;
  for (const button of card.querySelectorAll("button.reaction")) {
    const key = button.dataset.emoji;
    const count = counts[key] || 0;
    button.querySelector("[data-count]").textContent = count ? String(count) : "";
    button.setAttribute("aria-label", `${button.title} reaction, ${count}`); // what a screen reader announces
    if (mine && key === mine.emoji) {
      button.setAttribute("aria-pressed", String(mine.on));
      button.classList.toggle("reaction-mine", mine.on);
    }
  }
}

// Reactions without reloading the page.
document.addEventListener("submit", async (event) => {
  const form = event.target;
  if (!form.classList?.contains("reaction-form")) return;
  event.preventDefault();
  // One form per post; the pressed button says which emoji.
  const data = new FormData(form, event.submitter);
  let response;
  try {
    response = await request(form.action, { method: "POST", body: data, form });
  } catch {
    announce("You seem to be offline: the reaction was not sent.");
    return;
  }
  const body = response.data || {};
  if (!response.ok) {
    announce(body.detail || "The reaction could not be saved.");
    return;
  }
  const postId = form.closest("[data-post]")?.dataset.post;
  updateReactions(postId, body.counts, { emoji: data.get("emoji"), on: body.on });
});

// Infinite scroll: load the next page when the "Older posts" link comes into view.
if (feed && "IntersectionObserver" in window) {
  let loading = false;
  const observer = new IntersectionObserver(async (entries) => {
    for (const entry of entries) {
      if (!entry.isIntersecting || loading) continue;
      const link = entry.target;
      loading = true;
      link.textContent = "Loading…";
      const url = new URL(link.href, location.href);
      url.searchParams.set("fragment", "1");
      const fragment = await fetchHTML(url);
      if (fragment) {
        const list = feed.querySelector("[data-page]");
        const items = fragment.querySelectorAll("[data-page] > li.post");
        for (const item of items) if (!document.getElementById(item.id)) list.append(item);
        observer.unobserve(link);
        link.closest(".more").remove();
        const more = fragment.querySelector(".more");
        if (more) {
          feed.append(more);
          observer.observe(more.querySelector("[data-more]"));
        }
        announce(`${items.length} older posts loaded.`);
      } else {
        link.textContent = "Older posts (retry)";
      }
      loading = false;
    }
  }, { rootMargin: "400px" });
  const first = feed.querySelector("[data-more]");
  if (first) observer.observe(first);
}

// Lightbox for post images.
const lightbox = document.getElementById("lightbox");
document.addEventListener("click", (event) => {
  const link = event.target.closest?.("a[data-lightbox]");
  if (!link || !lightbox?.showModal) return;
  event.preventDefault();
  const image = lightbox.querySelector("img");
  image.src = link.href;
  image.alt = link.querySelector("img")?.alt || "";
  lightbox.showModal();
});
lightbox?.addEventListener("click", (event) => {
  if (event.target === lightbox) lightbox.close();
});


// Long posts collapse to a few lines with "Show more" (only when they really overflow).
function collapseLong(root) {
  for (const body of root.querySelectorAll("[data-collapsible]:not([data-collapse-ready])")) {
    body.dataset.collapseReady = "true";
    body.classList.add("collapsed");
    if (body.scrollHeight <= body.clientHeight + 4) {
      body.classList.remove("collapsed");
      continue;
    }
    const button = document.createElement("button");
    button.type = "button";
    button.className = "link-button show-more";
    button.textContent = "Show more";
    button.setAttribute("aria-expanded", "false");
    button.addEventListener("click", () => {
      const open = body.classList.toggle("collapsed") === false;
      button.textContent = open ? "Show less" : "Show more";
      button.setAttribute("aria-expanded", String(open));
    });
    body.after(button);
  }
}
if (!document.querySelector("[data-single-post]")) collapseLong(document);

// A comment written on a feed card goes without a reload; the card then refreshes live.
document.addEventListener("submit", async (event) => {
  const form = event.target.closest("form[data-card-comment]");
  if (!form) return;
  event.preventDefault();
  const textarea = form.querySelector("textarea");
  if (!textarea.value.trim()) return;
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  try {
    const { ok, data } = await request(form.action, { method: "POST", body: new FormData(form), form });
    if (ok) {
      textarea.value = "";
      announce("Comment posted.");
      await refreshCard(form.closest("li.post").dataset.post);
    } else {
      showFormError(form, data?.errors?.body?.[0] || data?.detail || "The comment could not be posted.");
    }
  } catch {
    showFormError(form, "You seem to be offline: the comment was not posted. Try again when the connection is back.");
  } finally {
    button.disabled = false;
  }
});

function showFormError(form, message) {
  form.querySelector(".error")?.remove();
  const paragraph = document.createElement("p");
  paragraph.className = "error";
  paragraph.setAttribute("role", "alert");
  paragraph.textContent = message;
  form.append(paragraph);
}

// Deleting asks first, by giving a few seconds to undo: the item disappears at once, and
// the delete is only sent when the time is up. Then the page goes back where it belongs.
const UNDO_SECONDS = 6;
document.addEventListener("submit", (event) => {
  const form = event.target.closest("form[data-undoable]");
  if (!form) return;
  event.preventDefault();
  const target = document.querySelector(form.dataset.undoable);
  if (target) target.hidden = true;
  const toast = document.createElement("div");
  toast.className = "toast";
  toast.setAttribute("role", "status");
  const text = document.createElement("span");
  text.textContent = form.dataset.undoMessage || "Deleted.";
  const undo = document.createElement("button");
  undo.type = "button";
  undo.textContent = "Undo";
  toast.append(text, " ", undo);
  document.body.append(toast);
  undo.focus();
  const timer = setTimeout(async () => {
    undo.disabled = true;
    try {
      const { ok, data } = await request(form.action, { method: "POST", body: new FormData(form), form });
      if (!ok) throw new Error(data?.detail || "refused");
      target?.remove();
      toast.remove();
      if (form.dataset.after) location.assign(form.dataset.after);
    } catch (error) {
      if (target) target.hidden = false;
      text.textContent = `Not deleted: ${error.message === "refused" ? "the server refused." : error.message}`;
      undo.remove();
      setTimeout(() => toast.remove(), 5000);
    }
  }, UNDO_SECONDS * 1000);
  undo.addEventListener("click", () => {
    clearTimeout(timer);
    if (target) target.hidden = false;
    toast.remove();
    announce("Not deleted.");
  });
});
