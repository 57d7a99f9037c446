// Idea boards and polls: vote in place through the API, and keep counts and states live.
//
// The page marks its board with [data-board="<department id>"]; this module watches
// "board:<id>" over the shared socket and applies the frames declared in
// apps/voting/events.py. Every control also works without JavaScript (plain form posts).
import { fetchDocument, request } from "./http.js";
import { on } from "./socket.js";
import { watch } from "./topics.js";

const root = document.querySelector("[data-board]");
const announcer = document.getElementById("live-announcer");

function announce(text) {
  if (announcer) announcer.textContent = text;
}

function plural(count, noun) {
  return `${noun}${count === 1 ? "" : "s"}`;
}

function setVoteCount(ideaId, count) {
  for (const element of document.querySelectorAll(`[data-vote-count="${ideaId}"]`)) {
    element.textContent = String(count);
    const noun = element.parentElement.querySelector(".vote-noun");
    if (noun) noun.textContent = plural(count, "vote");
  }
}

function setVoted(form, voted) {
  form.dataset.voted = String(voted);
  form.action = voted ? form.dataset.unvoteUrl : form.dataset.voteUrl;
  form.closest(".vote-box")?.classList.toggle("voted", voted);
  const button = form.querySelector("[data-vote-button]");
  const mark = document.createElement("span");
  mark.setAttribute("aria-hidden", "true");
  mark.textContent = voted ? "✓" : "▲";
  const hidden = document.createElement("span");
  hidden.className = "visually-hidden";
  hidden.textContent = voted ? ` (take back your vote for ${form.dataset.title})` : ` for ${form.dataset.title}`;
  button.replaceChildren(mark, voted ? " Voted" : " Vote", hidden);
}

function showError(form, text) {
  let error = form.querySelector(".vote-error");
  if (!error) {
    error = document.createElement("p");
    error.className = "error vote-error";
    error.setAttribute("role", "alert");
    form.append(error);
  }
  error.textContent = text;
}

async function submitVote(form) {
  const voted = form.dataset.voted === "true";
  const button = form.querySelector("[data-vote-button]");
  button.disabled = true;
  form.querySelector(".vote-error")?.remove();
  try {
    const response = await request(`/api/v1/ideas/${form.dataset.idea}/vote/`, {
      method: voted ? "DELETE" : "POST",
      form,
    });
    const body = response.data || {};
    if (response.ok) {
      setVoteCount(body.id, body.vote_count);
      setVoted(form, body.my_vote);
      announce(body.my_vote ? `Vote counted: ${body.vote_count} now.` : `Vote taken back: ${body.vote_count} now.`);
      return;
    }
    // The page was out of date (another tab voted): follow the server's state.
    if (body.code === "already_voted") setVoted(form, true);
    if (body.code === "not_voted") setVoted(form, false);
    showError(form, body.detail || "Your vote could not be saved. Please try again.");
  } catch {
    showError(form, "You seem to be offline: your vote was not sent.");
  } finally {
    button.disabled = false;
  }
}

document.addEventListener("submit", (event) => {
  // Destructive actions ask first (no inline onsubmit: the CSP forbids inline scripts).
  const question = event.target.closest("[data-confirm]")?.dataset.confirm;
  if (question && !window.confirm(question)) {
    event.preventDefault();
    return;
  }
  const form = event.target.closest("[data-vote-form]");
  if (!form) return;
  event.preventDefault();
  submitVote(form);
});

function forThisBoard(handler) {
  return (frame) => {
    if (root && String(frame.board) === root.dataset.board) handler(frame);
  };
}

function setStatus(frame) {
  for (const badge of document.querySelectorAll(`[data-idea-status="${frame.idea}"]`)) {
    badge.textContent = frame.status_label;
    badge.className = `idea-status idea-status-${frame.status}`;
  }
  if (!frame.accepts_votes) {
    for (const form of document.querySelectorAll(`[data-vote-form][data-idea="${frame.idea}"]`)) {
      const closed = document.createElement("span");
      closed.className = "muted vote-closed";
      closed.textContent = "Voting closed";
      form.replaceWith(closed);
    }
  }
  if (root?.dataset.ideaPage === String(frame.idea)) {
    const banner = document.querySelector("[data-status-changed]");
    if (banner) banner.hidden = false;
  }
  announce(`An idea is now ${frame.status_label}.`);
}

function markMerged(frame) {
  const row = document.querySelector(`[data-idea-row="${frame.idea}"]`);
  if (row) {
    const note = document.createElement("p");
    note.className = "muted merged-note";
    const link = document.createElement("a");
    link.href = frame.into_url;
    link.textContent = `#${frame.into}`;
    note.append("Merged into ", link, ".");
    row.classList.add("merged");
    row.querySelector(".vote-form")?.remove();
    row.querySelector(".idea-body")?.append(note);
  }
}

let newIdeas = 0;

function noteNewIdea() {
  const banner = document.querySelector("[data-new-ideas]");
  if (!banner) return;
  newIdeas += 1;
  banner.querySelector("[data-new-ideas-count]").textContent = String(newIdeas);
  banner.hidden = false;
}

async function refreshResults(frame) {
  for (const count of document.querySelectorAll(`[data-ballot-count="${frame.poll}"]`)) {
    count.textContent = String(frame.ballot_count);
  }
  if (root?.dataset.pollPage !== String(frame.poll)) return;
  const state = document.querySelector("[data-poll-state]");
  if (state && frame.closed) {
    state.textContent = "Closed";
    state.className = "idea-status idea-status-declined";
  }
  const current = document.querySelector(`[data-poll-results="${frame.poll}"]`);
  if (!current || current.dataset.resultsVisible !== "true") return;
  // The server renders the results (bars, rounds): fetch that block again rather than redraw it here.
  const page = await fetchDocument(root.dataset.resultsUrl);
  const fresh = page?.querySelector(`[data-poll-results="${frame.poll}"]`);
  if (fresh) current.replaceWith(fresh);
}

if (root) {
  watch(`board:${root.dataset.board}`);
  on("idea.votes", forThisBoard((frame) => setVoteCount(frame.idea, frame.vote_count)));
  on("idea.status", forThisBoard(setStatus));
  on("idea.merged", forThisBoard(markMerged));
  on("idea.created", forThisBoard(() => noteNewIdea()));
  on(
    "idea.comments",
    forThisBoard((frame) => {
      for (const count of document.querySelectorAll(`[data-comment-count="${frame.idea}"]`)) {
        count.textContent = String(frame.comment_count);
      }
    }),
  );
  on(
    "idea.deleted",
    forThisBoard((frame) => document.querySelector(`[data-idea-row="${frame.idea}"]`)?.remove()),
  );
  on("poll.ballots", forThisBoard(refreshResults));
}
