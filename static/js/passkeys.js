// Passkeys: register one on the two-factor settings page, or use one as the second step of a login.
// The server makes the options (with its challenge) and checks the answer; this only hands them
// to the browser's WebAuthn API and back, in WebAuthn's JSON forms.

import { request } from "./http.js";

function say(box, text) {
  if (box) {
    box.textContent = text;
    box.hidden = !text;
  }
}

async function ceremony(optionsUrl, kind) {
  const options = await request(optionsUrl, { method: "POST" });
  if (!options.ok) throw new Error(options.data?.detail || "The server refused to start.");
  if (kind === "create") {
    const publicKey = PublicKeyCredential.parseCreationOptionsFromJSON(options.data);
    return (await navigator.credentials.create({ publicKey })).toJSON();
  }
  const publicKey = PublicKeyCredential.parseRequestOptionsFromJSON(options.data);
  return (await navigator.credentials.get({ publicKey })).toJSON();
}

function wireRegister(form) {
  const status = form.querySelector("[data-passkey-status]");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    say(status, "Follow your browser's prompt…");
    try {
      const credential = await ceremony(form.dataset.optionsUrl, "create");
      const name = form.querySelector("input[name=name]").value;
      const done = await request(form.action, { method: "POST", json: { credential, name } });
      if (!done.ok) throw new Error(done.data?.detail || "The passkey was refused.");
      window.location.assign(window.location.pathname); // the page lists it (and any new recovery codes)
    } catch (error) {
      say(status, error.message || String(error));
    }
  });
}

function wireLogin(button) {
  const status = document.querySelector("[data-passkey-status]");
  button.addEventListener("click", async () => {
    say(status, "Follow your browser's prompt…");
    try {
      const credential = await ceremony(button.dataset.optionsUrl, "get");
      const done = await request(button.dataset.loginUrl, { method: "POST", json: { credential } });
      if (!done.ok) throw new Error(done.data?.detail || "The passkey was refused.");
      window.location.assign(done.data.next);
    } catch (error) {
      say(status, error.message || String(error));
    }
  });
}

if (!window.PublicKeyCredential) {
  for (const node of document.querySelectorAll("[data-passkey-register], [data-passkey-login]")) node.hidden = true;
} else {
  document.querySelectorAll("form[data-passkey-register]").forEach(wireRegister);
  document.querySelectorAll("button[data-passkey-login]").forEach(wireLogin);
}
