// Resumable video upload (tus 1.0 through the vendored tus-js-client), then the video is created
// from the finished upload. A dropped connection retries; a reload finds the earlier upload
// (tus-js-client remembers its URL by file fingerprint in localStorage) and resumes where it stopped.
import { csrfToken, request } from "./http.js";

const form = document.querySelector("[data-video-upload]");
if (form) {
  const status = form.querySelector("[data-upload-status]");
  const bar = form.querySelector("progress");
  const percent = form.querySelector("[data-upload-percent]");
  const error = form.querySelector("[data-upload-error]");
  const pause = form.querySelector("[data-upload-pause]");
  let current = null;

  const showError = (text) => {
    error.textContent = text;
    error.hidden = false;
  };

  const create = async (uploadUrl) => {
    const data = new FormData(form);
    const { ok, data: body } = await request("/api/v1/videos/", {
      method: "POST",
      json: {
        upload: uploadUrl.split("/").pop(),
        title: data.get("title"),
        description: data.get("description") || "",
        is_confidential: data.has("is_confidential") ? true : null,
        announce: data.has("announce"),
      },
    });
    if (!ok) {
      showError((body && body.detail) || "The video could not be created.");
      form.querySelector("button[type=submit]").disabled = false;
      return;
    }
    window.location.assign(body.url);
  };

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    error.hidden = true;
    const file = form.querySelector("input[type=file]").files[0];
    if (!file) return showError("Choose a video file.");
    form.querySelector("button[type=submit]").disabled = true;
    status.hidden = false;
    pause.hidden = false;
    const upload = new window.tus.Upload(file, {
      endpoint: form.dataset.endpoint,
      chunkSize: 8 * 1024 * 1024,
      retryDelays: [0, 1000, 3000, 5000, 10000, 20000],
      removeFingerprintOnSuccess: true,
      metadata: { filename: file.name, department: form.dataset.department },
      headers: { "X-CSRFToken": csrfToken(form) },
      onProgress(sent, total) {
        const value = Math.floor((sent / total) * 100);
        bar.value = value;
        percent.textContent = `${value} %`;
      },
      onError(failure) {
        let detail = "The upload failed.";
        try {
          detail = JSON.parse(failure.originalResponse.getBody()).detail || detail;
        } catch (_) {
          /* a network error has no body */
        }
        showError(detail);
        form.querySelector("button[type=submit]").disabled = false;
      },
      onSuccess() {
        pause.hidden = true;
        create(upload.url);
      },
    });
    current = upload;
    upload.findPreviousUploads().then((previous) => {
      if (previous.length) upload.resumeFromPreviousUpload(previous[0]);
      upload.start();
    });
  });

  pause.addEventListener("click", () => {
    if (!current) return;
    if (pause.textContent === "Pause") {
      current.abort();
      pause.textContent = "Resume";
    } else {
      current.start();
      pause.textContent = "Pause";
    }
  });
}
