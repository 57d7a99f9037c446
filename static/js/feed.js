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
  return feed.dataset.cardUrl.replace(/\/0\/card\/$/, `/${postId}/card/`) + `?next=${next}`;
}

async function refreshCard(postId, { insert = false } = {}) {
  const existing = document.getElementById(`post-${postId}`);
  if (!existing && !insert) return;
  const fragment = await fetchHTML(cardURL(postId));
  const card = fragment?.querySelector("li.post");
  if (!card) return;
  if (existing) existing.replaceWith(card);
  else {
    const list = feed.querySelector("[data-page]");
    list?.querySelector(".empty")?.remove();
    list?.prepend(card);
    card.classList.add("post-new");
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
