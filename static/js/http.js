// The one way the page talks to the server over HTTP: same-origin fetch, JSON or HTML,
// with Django's CSRF token on every unsafe request.
//
//   import { getJSON, request, fetchHTML } from "./http.js";
//   const people = await getJSON("/api/v1/mentions/?room=3&q=al");      // throws HttpError unless 2xx
//   const { ok, status, data } = await request(url, { method: "DELETE" }); // never throws on 4xx/5xx
//   const fragment = await fetchHTML(url);                                  // a DocumentFragment, or null
//
// A network failure (offline) rejects with a TypeError, as fetch does.

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export class HttpError extends Error {
  constructor(status, url, data) {
    super(`${status} ${url}`);
    this.status = status;
    this.data = data;
  }
}

// The token of the given form, else any on the page (base.html's logout form has one).
export function csrfToken(form) {
  const input =
    form?.querySelector?.("input[name=csrfmiddlewaretoken]") ||
    document.querySelector("input[name=csrfmiddlewaretoken]");
  return input ? input.value : "";
}

async function readJSON(response) {
  if (response.status === 204) return null;
  try {
    return await response.json();
  } catch {
    return {};
  }
}

// `json` is sent as a JSON body; `body` as is (e.g. FormData). Resolves to {ok, status, data}.
export async function request(url, { method = "GET", json, body, form } = {}) {
  const headers = { Accept: "application/json" };
  if (!SAFE_METHODS.has(method)) headers["X-CSRFToken"] = csrfToken(form);
  if (json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(json);
  }
  const response = await fetch(url, { method, body, headers, credentials: "same-origin" });
  return { ok: response.ok, status: response.status, data: await readJSON(response) };
}

export async function getJSON(url) {
  const { ok, status, data } = await request(url);
  if (!ok) throw new HttpError(status, url, data);
  return data;
}

async function getText(url) {
  const response = await fetch(url, { headers: { Accept: "text/html" }, credentials: "same-origin" });
  return response.ok ? response.text() : null;
}

// Server-rendered HTML (already escaped and sanitised by Django and nh3) as a fragment.
export async function fetchHTML(url) {
  const text = await getText(url);
  if (text === null) return null;
  const template = document.createElement("template");
  template.innerHTML = text.trim();
  return template.content;
}

// A whole server-rendered page, to take one block out of it.
export async function fetchDocument(url) {
  const text = await getText(url);
  return text === null ? null : new DOMParser().parseFromString(text, "text/html");
}
