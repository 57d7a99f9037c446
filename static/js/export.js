// "Your data": while the worker builds an export, ask for its state now and then and show the
// download link as soon as it is ready (no reload needed).

import { request } from "./http.js";

const POLL_MS = 2000;
const MAX_POLLS = 300;

function watch(item, polls = 0) {
  if (item.dataset.status !== "pending" || polls > MAX_POLLS) return;
  setTimeout(async () => {
    const { ok, data } = await request(item.dataset.statusUrl).catch(() => ({ ok: false }));
    if (ok && data.status !== "pending") {
      item.dataset.status = data.status;
      const state = item.querySelector("[data-export-state]");
      state.textContent = "";
      if (data.download_url) {
        const link = document.createElement("a");
        link.href = data.download_url;
        link.download = "";
        link.textContent = "Download";
        state.append(link);
      } else {
        state.textContent = "failed; try again";
      }
      return;
    }
    watch(item, polls + 1);
  }, POLL_MS);
}

document.querySelectorAll("[data-export]").forEach((item) => watch(item));
