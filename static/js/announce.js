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
