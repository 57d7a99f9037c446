// The header search box: "/" or Ctrl+K (Cmd+K) puts the cursor in it from anywhere,
// except while typing in another field; Escape leaves it.
const box = document.getElementById("header-search");

function typingElsewhere(target) {
  return target instanceof HTMLElement && (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));
}

if (box) {
  document.addEventListener("keydown", (event) => {
    const ctrlK = (event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "k";
    const slash = event.key === "/" && !event.ctrlKey && !event.metaKey && !event.altKey && !typingElsewhere(event.target);
    if (ctrlK || slash) {
      event.preventDefault();
      box.focus();
      box.select();
    }
  });
  box.addEventListener("keydown", (event) => {
    if (event.key === "Escape") box.blur();
  });
}
