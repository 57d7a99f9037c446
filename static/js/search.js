// The header search box: "/" puts the cursor in it from anywhere, except while typing in
// another field; Escape leaves it. (Ctrl+K is the room and people switcher, switcher.js.)
const box = document.getElementById("header-search");

function typingElsewhere(target) {
  return target instanceof HTMLElement && (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));
}

if (box) {
  document.addEventListener("keydown", (event) => {
    const slash = event.key === "/" && !event.ctrlKey && !event.metaKey && !event.altKey && !typingElsewhere(event.target);
    if (slash) {
      event.preventDefault();
      box.focus();
      box.select();
    }
  });
  box.addEventListener("keydown", (event) => {
    if (event.key === "Escape") box.blur();
  });
  box.dataset.shortcutReady = "true"; // the shortcut works from here on
}
