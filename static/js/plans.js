// Game plan pages: a goal's card (status, progress, chart) redrawn live when a check-in is
// recorded, a notice when the plan is edited, and a content-plan slot's status kept current
// on the plan page and the content plan (frames declared in apps/plans/events.py).
import { on } from "./socket.js";
import { watch } from "./topics.js";

// Removing a goal, role or routine asks first (no inline onsubmit: the CSP forbids inline scripts).
document.addEventListener("submit", (event) => {
  const question = event.target.closest("[data-confirm]")?.dataset.confirm;
  if (question && !window.confirm(question)) event.preventDefault();
});

const plan = document.querySelector("[data-plan]");
if (plan) {
  watch(`plan:${plan.dataset.plan}`);
  on("plan.goal", async (frame) => {
    if (String(frame.plan) !== plan.dataset.plan) return;
    const card = plan.querySelector(`[data-goal="${frame.goal}"]`);
    if (!card) return;
    const response = await fetch(`/plans/goals/${frame.goal}/?fragment=card`, { credentials: "same-origin" });
    if (!response.ok) return;
    const holder = document.createElement("div");
    holder.innerHTML = await response.text();
    const fresh = holder.querySelector("[data-goal]");
    if (fresh) card.replaceWith(fresh);
  });
  on("plan.version", (frame) => {
    if (String(frame.plan) !== plan.dataset.plan) return;
    const banner = plan.querySelector("[data-plan-changed]");
    if (banner) banner.hidden = false;
  });
}

// A slot moved along: its status text (and, on the content plan, its colour and select) follow.
const slots = plan || document.querySelector("[data-content-plan]");
if (slots) {
  const department = slots.dataset.plan || slots.dataset.contentPlan;
  if (!plan) watch(`plan:${department}`);
  on("plan.slot", (frame) => {
    if (String(frame.plan) !== department) return;
    const item = slots.querySelector(`[data-slot="${frame.slot}"]`);
    if (!item) return;
    const label = item.querySelector("[data-slot-status]");
    if (label) label.textContent = frame.status_label.toLowerCase();
    for (const name of [...item.classList]) if (name.startsWith("cal-slot-")) item.classList.remove(name);
    if (item.classList.contains("cal-slot")) item.classList.add(`cal-slot-${frame.status}`);
    const select = item.querySelector("select[name=status]");
    if (select && document.activeElement !== select) select.value = frame.status;
    const news = document.querySelector("[data-slot-news]");
    if (news) news.textContent = `${frame.theme} is now ${frame.status_label.toLowerCase()}.`;
  });
}
