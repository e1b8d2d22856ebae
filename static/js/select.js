// Selecting rows for a bulk action: shift-click checks (or unchecks) every box between the
// last one clicked and this one; "Select all N matching" checks every visible box too (the
// server takes every match, beyond this page); the count says what is selected. While
// anything is selected the page's own refresh waits: swapping the rows would drop it.
let lastClicked = null;

function selectionBoxes() {
  return [...document.querySelectorAll("input[data-select]")];
}

function showCount() {
  const label = document.querySelector("[data-selected-count]");
  if (!label) return;
  const all = document.querySelector("input[data-select-all]");
  const picked = selectionBoxes().filter((box) => box.checked).length;
  if (all && all.checked) label.textContent = all.parentElement.textContent.trim().replace(/^Select /, "");
  else label.textContent = picked ? `${picked} selected` : "None selected";
}

document.addEventListener("click", (event) => {
  const box = event.target;
  if (!(box instanceof HTMLInputElement)) return;
  if (box.matches("input[data-select-all]")) {
    selectionBoxes().forEach((other) => { other.checked = box.checked; });
    lastClicked = null;
  } else if (box.matches("input[data-select]")) {
    const boxes = selectionBoxes();
    if (event.shiftKey && lastClicked && boxes.includes(lastClicked)) {
      const [from, to] = [boxes.indexOf(lastClicked), boxes.indexOf(box)].sort((a, b) => a - b);
      boxes.slice(from, to + 1).forEach((other) => { other.checked = box.checked; });
    }
    lastClicked = box;
    const all = document.querySelector("input[data-select-all]");
    if (all && !box.checked) all.checked = false;
  } else {
    return;
  }
  showCount();
  // Said once, through the layout's live region (announce.js): the count itself is redrawn
  // by every refresh of the rows, and a live region there would be read out each time.
  if (typeof announce === "function") announce(document.querySelector("[data-selected-count]")?.textContent);
});

document.addEventListener("htmx:beforeRequest", (event) => {
  const poller = event.detail.elt;
  if (!poller.dataset || !poller.dataset.poll) return;
  const all = document.querySelector("input[data-select-all]");
  if ((all && all.checked) || selectionBoxes().some((box) => box.checked)) event.preventDefault();
});
document.addEventListener("htmx:afterSwap", showCount);
