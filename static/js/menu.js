// On a phone the top bar is one row: the brand and a Menu button that opens the navigation.
const toggle = document.querySelector("[data-menu-toggle]");
const bar = toggle?.closest(".topbar");
if (toggle && bar) {
  toggle.addEventListener("click", () => {
    const open = !bar.classList.contains("open");
    bar.classList.toggle("open", open);
    toggle.setAttribute("aria-expanded", String(open));
  });
}
