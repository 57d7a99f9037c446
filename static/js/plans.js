// Game plan pages: a goal's card (status, progress, chart) redrawn live when a check-in is
// recorded, and a notice when the plan is edited (frames declared in apps/plans/events.py).
import { on } from "./socket.js";
import { watch } from "./topics.js";

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
