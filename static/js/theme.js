// The colour theme: the system's by default, or light or dark as the person chose (kept in
// this browser). Loaded as a classic script in <head>, so the page paints in the right
// colours from the start; the button in the top bar cycles system → light → dark.
(function () {
  const KEY = "intranet-theme";
  const root = document.documentElement;
  const labels = { system: "Theme: system", light: "Theme: light", dark: "Theme: dark" };
  const order = ["system", "light", "dark"];

  function current() {
    try {
      return localStorage.getItem(KEY) || "system";
    } catch {
      return "system";
    }
  }

  function apply(theme) {
    if (theme === "system") delete root.dataset.theme;
    else root.dataset.theme = theme;
    const button = document.querySelector("[data-theme-toggle]");
    if (button) button.textContent = labels[theme];
  }

  apply(current());
  document.addEventListener("DOMContentLoaded", () => {
    const button = document.querySelector("[data-theme-toggle]");
    if (!button) return;
    apply(current());
    button.hidden = false;
    button.addEventListener("click", () => {
      const next = order[(order.indexOf(current()) + 1) % order.length];
      try {
        localStorage.setItem(KEY, next);
      } catch {
        /* private mode: the choice lasts for this page only */
      }
      apply(next);
    });
  });
})();
