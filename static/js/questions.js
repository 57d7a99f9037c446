// Questions: similar questions while asking, and live answers, comments and inboxes
// (frames declared in apps/questions/events.py). Every page also works without JavaScript.
import { fetchHTML, getJSON } from "./http.js";
import { on } from "./socket.js";
import { watch } from "./topics.js";

const announcer = document.getElementById("live-announcer");
function announce(text) {
  if (announcer) announcer.textContent = text;
}

// --- Asking: "asked before?" suggestions from GET /api/v1/questions/similar/
const askForm = document.querySelector("[data-ask-form]");
if (askForm) {
  const title = askForm.querySelector("[data-similar=title]");
  const body = askForm.querySelector("[data-similar=body]");
  const box = askForm.querySelector("[data-similar-list]");
  const list = box.querySelector("ul");
  let timer = null;
  let asked = "";

  async function suggest() {
    const text = `${title.value} ${body.value}`.trim().slice(0, 500);
    if (text === asked) return;
    asked = text;
    if (text.length < 4) {
      box.hidden = true;
      return;
    }
    try {
      const data = await getJSON(`/api/v1/questions/similar/?q=${encodeURIComponent(text)}`);
      if (asked !== text) return; // a newer request is on its way
      list.replaceChildren(
        ...data.results.map((question) => {
          const item = document.createElement("li");
          const link = document.createElement("a");
          link.href = question.url;
          link.target = "_blank";
          link.textContent = question.title;
          const state = document.createElement("span");
          state.className = "muted small";
          state.textContent = ` (${question.status === "answered" ? "answered" : "open"}, asked by ${question.asking_department})`;
          item.append(link, state);
          return item;
        }),
      );
      box.hidden = data.results.length === 0;
    } catch {
      box.hidden = true; // suggestions are a help, never in the way
    }
  }

  for (const field of [title, body]) {
    field.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(suggest, 300);
    });
  }
}

// --- A question's page: answers and comments arrive live
const questionRoot = document.querySelector("[data-question]");
if (questionRoot) {
  const questionId = questionRoot.dataset.question;
  const banner = questionRoot.querySelector("[data-question-live]");
  watch(`question:${questionId}`);

  function typing() {
    const thread = document.getElementById("thread");
    return [...thread.querySelectorAll("textarea, input[type=file]")].some(
      (field) => field.value || field === document.activeElement,
    );
  }

  async function refresh(change) {
    const fragment = await fetchHTML(`${location.pathname}?fragment=thread`);
    const fresh = fragment?.getElementById("thread");
    const current = document.getElementById("thread");
    if (!fresh || !current) return;
    if (typing()) {
      // Keep what the person is writing: replace only the lists above the forms.
      for (const selector of ["#answers", ".comments"]) {
        const next = fresh.querySelector(selector);
        const here = current.querySelector(selector);
        if (next && here) here.replaceWith(next);
      }
      current.querySelector("[data-answer-count]").textContent = fresh.querySelector("[data-answer-count]").textContent;
    } else {
      current.replaceWith(fresh);
    }
    if (change === "accepted" || change === "reopened" || change === "assigned") {
      banner.textContent = "This question changed. Reload for its new state.";
      banner.hidden = false;
    }
  }

  on("question.updated", async (frame) => {
    if (String(frame.question) !== questionId) return;
    await refresh(frame.change);
    if (frame.change === "answer") announce("A new answer arrived.");
    if (frame.change === "comment") announce("A new comment arrived.");
    if (frame.change === "accepted") announce("An answer was accepted.");
  });

  on("question.reactions", (frame) => {
    if (String(frame.question) !== questionId) return;
    const answer = document.querySelector(`[data-answer="${frame.answer}"]`);
    if (!answer) return;
    for (const button of answer.querySelectorAll("button.reaction")) {
      const key = button.closest("form").querySelector("input[name=emoji]").value;
      button.querySelector("[data-count]").textContent = frame.counts[key] ? String(frame.counts[key]) : "";
    }
  });
}

// --- A department's questions page: the inbox follows what happens
const inbox = document.querySelector("[data-inbox]");
if (inbox) {
  const banner = inbox.querySelector("[data-inbox-live]");
  watch(`questions:${inbox.dataset.inbox}`);
  on("questions.inbox", async (frame) => {
    if (String(frame.department) !== inbox.dataset.inbox) return;
    const params = new URLSearchParams(location.search);
    params.delete("cursor");
    params.set("fragment", "list");
    const fragment = await fetchHTML(`${location.pathname}?${params}`);
    const fresh = fragment?.getElementById("department-list");
    if (fresh) document.getElementById("department-list").replaceWith(fresh);
    banner.hidden = false;
    announce("The questions changed.");
  });
}
