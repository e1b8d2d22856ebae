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
