// Says what a timeline poll changed, once, in the page's one polite live region: a new
// message, a delivery that failed. An unchanged poll is answered 204 and swaps nothing, so it
// says nothing; and a swapped timeline is never a live region itself, so redrawing it (the
// "4 min ago" beside every message) is not read out either.
let before = null;

function messages(timeline) {
  return [...timeline.querySelectorAll("li.message")];
}

function said(li) {
  const who = (li.querySelector(".meta")?.textContent || "").split("·")[0].trim();
  const body = (li.querySelector(".body")?.textContent || "").trim().replace(/\s+/g, " ");
  return `${who}: ${body.length > 140 ? `${body.slice(0, 140)}…` : body}`;
}

function announce(sentence) {
  const region = document.getElementById("announcer");
  if (!region || !sentence) return;
  // Emptied first, so the same sentence twice in a row is still read twice.
  region.textContent = "";
  setTimeout(() => { region.textContent = sentence; }, 100);
}

document.addEventListener("htmx:beforeSwap", (event) => {
  const target = event.detail.target;
  if (!target || target.id !== "timeline") return;
  before = {
    ids: new Set(messages(target).map((li) => li.id)),
    failed: new Set(messages(target).filter((li) => li.querySelector(".delivery.failed")).map((li) => li.id)),
  };
});

document.addEventListener("htmx:afterSettle", () => {
  const timeline = document.getElementById("timeline");
  if (!before || !timeline) return;
  const now = messages(timeline);
  const fresh = now.filter((li) => !before.ids.has(li.id));
  const failed = now.filter((li) => li.querySelector(".delivery.failed") && !before.failed.has(li.id));
  before = null;
  const sentences = [];
  if (fresh.length === 1) sentences.push(`New message from ${said(fresh[0])}`);
  if (fresh.length > 1) sentences.push(`${fresh.length} new messages; the latest from ${said(fresh[fresh.length - 1])}`);
  failed.forEach((li) => sentences.push(`Not delivered: ${li.querySelector(".delivery.failed").textContent.replace(/^⚠\s*Failed:?\s*/, "").trim() || "the message failed"}`));
  announce(sentences.join(". "));
});

// A refresh redraws its region with the notices it already showed ("Flownally is not
// answering", "Updated 3 s ago"): each redraw, or a count ticking inside one, would be read
// out again. So in a polled region a notice with text is never live itself (aria-live off,
// its role kept); one that a refresh brings new, numbers aside, is said once here. Empty
// regions (a reaction's outcome) stay live for what fills them later.
const LIVE = "[role=status], [role=alert], [role=log], [aria-live]";
const gist = (element) => element.textContent.replace(/\d+/g, "#").replace(/\s+/g, " ").trim();
let polled = null;

function quieten(region) {
  const fresh = [];
  region.querySelectorAll(LIVE).forEach((notice) => {
    // A hidden one (the board's own stale banner) stays live: shown later, it is read then.
    if (!gist(notice) || notice.closest("[hidden]") || notice.getAttribute("aria-live") === "off") return;
    notice.setAttribute("aria-live", "off");
    fresh.push(notice);
  });
  return fresh;
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-poll]").forEach(quieten);  // read with the page, not again
});

document.addEventListener("htmx:beforeSwap", (event) => {
  const target = event.detail.target;
  if (!target || !target.dataset || !target.dataset.poll || !target.id) return;
  polled = { id: target.id, shown: new Set([...target.querySelectorAll(LIVE)].map(gist)) };
});

document.addEventListener("htmx:afterSwap", () => {
  const region = polled && document.getElementById(polled.id);
  const shown = polled && polled.shown;
  polled = null;
  if (!region) return;
  const said = quieten(region)
    .filter((notice) => !shown.has(gist(notice)))
    .map((notice) => notice.textContent.replace(/\s+/g, " ").trim());
  if (said.length) announce(said.join(" "));
});
