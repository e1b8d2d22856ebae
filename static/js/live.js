// Pauses self-refreshing regions while refreshing would disturb the user or waste a request:
// the tab is hidden, or a filter menu is open. (htmx trigger conditions would need eval,
// which our Content Security Policy forbids.)
document.addEventListener("htmx:beforeRequest", (event) => {
  const poller = event.detail.elt;
  if (!poller.dataset || !poller.dataset.poll) return;
  if (document.visibilityState === "hidden" || document.querySelector("details.menu[open]")) {
    event.preventDefault();
  }
});

// Attachments: refuse a file that is too big or of a type Flownally will not send before
// uploading it, and show the upload's progress.
document.addEventListener("change", (event) => {
  const input = event.target;
  if (!(input instanceof HTMLInputElement) || input.type !== "file" || !input.form) return;
  const form = input.form;
  const file = input.files[0];
  const problem = form.querySelector(".file-problem");
  let message = "";
  if (file && file.size > Number(form.dataset.maxBytes)) {
    message = `This file is ${(file.size / 1048576).toFixed(1)} MB; files may be at most ${(Number(form.dataset.maxBytes) / 1048576).toFixed(0)} MB.`;
  } else if (file && file.type && !form.dataset.accept.split(",").includes(file.type)) {
    message = "This type of file cannot be sent.";
  }
  input.setCustomValidity(message);
  if (problem) { problem.textContent = message; problem.hidden = !message; }
});
document.addEventListener("htmx:xhr:progress", (event) => {
  const bar = event.target.querySelector && event.target.querySelector(".upload-progress");
  if (!bar || !event.detail.lengthComputable) return;
  bar.hidden = false;
  bar.value = Math.round((event.detail.loaded / event.detail.total) * 100);
});
