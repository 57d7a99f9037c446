// Policy pages: a notice when a new version is published while the policy is open, and
// live counts on the acceptance record (frames declared in apps/policies/events.py).
import { on } from "./socket.js";
import { watch } from "./topics.js";

const policy = document.querySelector("[data-policy]");
if (policy) {
  watch(`policy:${policy.dataset.policy}`);
  on("policy.version", (frame) => {
    if (String(frame.policy) !== policy.dataset.policy) return;
    policy.querySelector("[data-policy-changed]").hidden = false;
  });
}

const record = document.querySelector("[data-policy-record]");
if (record) {
  on("policy.acceptances", (frame) => {
    if (String(frame.policy) !== record.dataset.policyRecord) return;
    record.querySelector("[data-accepted]").textContent = String(frame.accepted);
    record.querySelector("[data-total]").textContent = String(frame.total);
  });
}
