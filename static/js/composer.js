// The post composer, enhanced: sent in the background with an upload progress bar, files
// over the limit refused before anything is sent, and errors shown beside their fields
// without a reload, so what the person wrote and the files they chose stay as they were.
// Without JavaScript the same form posts normally and the server re-shows the page.
import { csrfToken } from "./http.js";

function clearErrors(form) {
  for (const node of form.querySelectorAll(".composer-error")) node.remove();
  for (const field of form.querySelectorAll(".field-error")) field.classList.remove("field-error");
}

function showError(form, name, message) {
  const input = name ? form.querySelector(`[name="${CSS.escape(name)}"]`) : null;
  const paragraph = document.createElement("p");
  paragraph.className = "error composer-error";
  paragraph.setAttribute("role", "alert");
  paragraph.textContent = message;
  const field = input?.closest(".field");
  if (field) {
    field.classList.add("field-error");
    field.append(paragraph);
    input.setAttribute("aria-describedby", [input.getAttribute("aria-describedby"), paragraph.id].join(" ").trim());
  } else {
    form.prepend(paragraph);
  }
}

function tooLarge(form) {
  for (const input of form.querySelectorAll("input[type=file][data-max-bytes]")) {
    const limit = Number(input.dataset.maxBytes);
    for (const file of input.files) {
      if (file.size > limit) {
        const mb = (n) => `${(n / 1048576).toFixed(1)} MB`;
        return [input.name, `“${file.name}” is too large (${mb(file.size)}); the limit is ${mb(limit)}.`];
      }
    }
  }
  return null;
}

function progressBar(form) {
  let bar = form.querySelector("progress.upload-progress");
  if (!bar) {
    bar = document.createElement("progress");
    bar.className = "progress-bar upload-progress";
    bar.max = 100;
    bar.setAttribute("aria-label", "Upload progress");
    form.querySelector("button[type=submit]").before(bar);
  }
  bar.value = 0;
  bar.hidden = false;
  return bar;
}

function send(form, bar) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.setRequestHeader("X-CSRFToken", csrfToken(form));
    xhr.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) bar.value = Math.round((100 * event.loaded) / event.total);
    });
    xhr.addEventListener("load", () => {
      let data = {};
      try {
        data = JSON.parse(xhr.responseText);
      } catch {
        /* an HTML error page */
      }
      resolve({ status: xhr.status, data });
    });
    xhr.addEventListener("error", () => reject(new TypeError("network")));
    xhr.send(new FormData(form));
  });
}

for (const form of document.querySelectorAll("form[data-composer]")) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    const refused = tooLarge(form);
    if (refused) {
      showError(form, ...refused);
      return;
    }
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    const bar = progressBar(form);
    try {
      const { status, data } = await send(form, bar);
      if (status >= 200 && status < 300 && data.redirect) {
        location.assign(data.redirect);
        return;
      }
      const errors = data.errors || {};
      const names = Object.keys(errors);
      if (!names.length) showError(form, null, data.detail || "The post could not be sent. Please try again.");
      for (const name of names) for (const message of errors[name]) showError(form, name === "__all__" ? null : name, message);
    } catch {
      showError(form, null, "You seem to be offline: nothing was posted. Try again when the connection is back.");
    } finally {
      button.disabled = false;
      bar.hidden = true;
    }
  });
}
