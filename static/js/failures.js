// A request that fails is said where the person acted: a role="alert" line beside the
// form, button or link that made it, cleared by its next success. Our own error fragment
// (.problem) when the answer carries one; otherwise a plain sentence that claims only what
// is known. Self-refreshing regions (a <div> polling) are left to their own stale notices.
// htmx re-enables the buttons it disabled on every outcome; the upload bar is reset here.
// (No inline styles: CSP forbids them; visibility is the `hidden` attribute.)

const UNREACHABLE = "Could not reach the dashboard — check your connection.";
const GOT_THROUGH = " If it got through, pressing again is safe: it will not be sent twice.";
const MAYBE_SENT = " It may have been sent: pressing again is safe, it will not be sent twice.";
const NO_ANSWER =
  "No answer from the dashboard in time. It may have been sent: pressing again is safe, it will not be sent twice.";

function isAction(elt) {
  return elt instanceof Element && !elt.dataset.poll && elt.matches("form, button, a, input, select");
}

// Sent again with the same idempotency key, an action cannot happen twice.
function keyed(elt) {
  const form = elt.closest("form");
  return Boolean(form && form.querySelector("input[name=idempotency_key]"));
}

// The alert line of this control: inside its form (where the panel's errors are), or right
// after it (after a toolbar of one-button forms, such as the reactions).
function anchorOf(elt) {
  const form = elt.closest("form");
  return (form && form.closest("[role=toolbar]")) || form || elt;
}

function alertFor(elt, make) {
  const anchor = anchorOf(elt);
  const inside = anchor.tagName === "FORM";
  let line = inside
    ? anchor.querySelector(":scope > .request-error")
    : anchor.nextElementSibling?.classList.contains("request-error") && anchor.nextElementSibling;
  if (!line && make) {
    line = document.createElement("div");
    line.className = "error request-error";
    line.setAttribute("role", "alert");
    if (inside) anchor.append(line);
    else anchor.after(line);
  }
  return line || null;
}

function say(elt, content) {
  const line = alertFor(elt, true);
  line.replaceChildren(content);
}

// The dashboard's own error fragment in an answer, if there is one (a proxy's page is not).
function fragmentIn(xhr) {
  const type = xhr.getResponseHeader("Content-Type") || "";
  if (!type.startsWith("text/html") || !xhr.responseText) return null;
  const found = new DOMParser().parseFromString(xhr.responseText, "text/html").querySelector(".problem");
  if (!found) return null;
  found.removeAttribute("role"); // the line around it is the alert
  return document.importNode(found, true);
}

function plainWords(status, elt) {
  if (status === 403) return "You are not allowed to do this, or the page is out of date: reload it.";
  if (status === 404) return "It is no longer there: reload the page.";
  if (status === 429) return "Too many requests right now: try again in a moment.";
  if (status >= 500) {
    const what = status === 502 || status === 503 || status === 504
      ? "The dashboard or Flownally is not answering right now."
      : "The dashboard had a problem.";
    return what + (keyed(elt) ? MAYBE_SENT : " Try again in a moment.");
  }
  return `The dashboard refused this (error ${status}). Reload the page and try again.`;
}

function resetUpload(elt) {
  const form = elt.closest("form");
  const bar = form && form.querySelector(".upload-progress");
  if (!bar) return;
  bar.value = 0;
  bar.hidden = true;
}

document.addEventListener("htmx:responseError", (event) => {
  const { elt, xhr } = event.detail;
  if (!isAction(elt)) return;
  say(elt, fragmentIn(xhr) || document.createTextNode(plainWords(xhr.status, elt)));
});

document.addEventListener("htmx:sendError", (event) => {
  const { elt } = event.detail;
  if (!isAction(elt)) return;
  // Whether the request got through before the connection failed, the browser does not
  // say (upload events do not fire for small bodies): so no "nothing was sent".
  say(elt, document.createTextNode(UNREACHABLE + (keyed(elt) ? GOT_THROUGH : "")));
});

document.addEventListener("htmx:timeout", (event) => {
  const { elt } = event.detail;
  if (!isAction(elt)) return;
  say(elt, document.createTextNode(keyed(elt) ? NO_ANSWER : "No answer from the dashboard in time: try again."));
});

document.addEventListener("htmx:afterRequest", (event) => {
  const { elt, successful } = event.detail;
  if (!isAction(elt)) return;
  if (successful) {
    alertFor(elt, false)?.remove();
  } else {
    resetUpload(elt);
  }
});

// "Cancel" in the question asked before an action when someone else just acted
// (conflicts.py): the question goes and nothing is sent. Without JavaScript it is a link
// back to the page.
document.addEventListener("click", (event) => {
  const cancel = event.target instanceof Element && event.target.closest("[data-cancel]");
  const line = cancel && cancel.closest(".request-error");
  if (!line) return;
  event.preventDefault();
  const form = line.closest("form");
  line.remove();
  form?.querySelector("button[type=submit], button:not([type])")?.focus();
});
