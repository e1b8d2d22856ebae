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

// The wallboard's "Updated N s ago" counts up between refreshes. The server sends the age
// (not a time), so a TV with a wrong clock still shows it right; if refreshes stop
// arriving (the dashboard itself is down), the board marks its numbers stale by itself.
function ageWords(seconds) {
  if (seconds < 60) return `${Math.floor(seconds)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return minutes % 60 ? `${hours} h ${minutes % 60} min` : `${hours} h`;
  const days = Math.floor(hours / 24);
  return hours % 24 ? `${days} d ${hours % 24} h` : `${days} d`;
}
setInterval(() => {
  const board = document.querySelector("[data-age]");
  if (!board) return;
  board.receivedAt = board.receivedAt || performance.now();
  const age = Number(board.dataset.age) + (performance.now() - board.receivedAt) / 1000;
  board.querySelectorAll(".age").forEach((span) => { span.textContent = ageWords(age); });
  const banner = board.querySelector("[data-client-stale]");
  if (banner && age > Number(board.dataset.staleAfter)) {
    banner.hidden = false;
    board.classList.add("is-stale");
  }
}, 1000);

// Leaving a conversation page: tell the server, so the others' "here too" drops this
// viewer at their next poll (presence.py); without it the entry simply runs out.
window.addEventListener("pagehide", () => {
  const bar = document.getElementById("presence");
  const headers = document.body.getAttribute("hx-headers");
  if (!bar || !bar.dataset.left || !bar.dataset.page || !headers || !navigator.sendBeacon) return;
  const body = new FormData();
  body.append("csrfmiddlewaretoken", JSON.parse(headers)["X-CSRFToken"]);
  body.append("page", bar.dataset.page); // a reload's beacon must not remove the new page
  navigator.sendBeacon(bar.dataset.left, body);
});
