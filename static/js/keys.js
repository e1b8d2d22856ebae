// Keyboard use: the shortcuts the "?" dialog lists (templates/core/_shortcuts.html), and
// focus kept where the person was when htmx re-renders part of the page under them.
//
// A shortcut is one key, without Ctrl, Alt or Meta, pressed while no typing field has
// focus, so a "j" typed in the search box is a j. In a typing field only two keys are ours:
// Esc leaves the field, and Ctrl+Enter submits the action panel's form it is in.

// Fields that take typing. Checkboxes, radios, buttons and file pickers do not, so the
// shortcuts still work there: after ticking a row's checkbox, j and k go on working.
const TYPING =
  "textarea, select, input:not([type=checkbox], [type=radio], [type=button], [type=submit]," +
  " [type=reset], [type=file], [type=hidden])";
// What can hold focus inside a list row or a message, to find "the same control" again.
const CONTROLS = "a[href], button, input:not([type=hidden]), select, textarea";

function typing(element) {
  return element instanceof HTMLElement && (element.isContentEditable || element.matches(TYPING));
}

// Focus was lost: it sits on the page itself, as when the element holding it was removed.
function focusLost() {
  return !document.activeElement || document.activeElement === document.body;
}

function focusField(field) {
  if (!field) return false;
  field.focus();
  if (field.type === "search") field.select(); // a new search replaces the old one
  return true;
}

// --- The conversation list: a current row, moved with j and k ---------------------------
// A row is known by its first link, its conversation's URL (/conversations/<id>/): the
// list refreshes itself every few seconds with new elements, and the row stays current.

let current = null; // {url, index}: the current row's conversation, and where it was

function rowLink(row) {
  return row.querySelector("a[href]");
}

function rows() {
  return [...document.querySelectorAll("#conversation-results tbody tr")].filter(rowLink);
}

function currentRow() {
  return document.querySelector("#conversation-results tr.is-current");
}

function markCurrent(row) {
  const old = currentRow();
  if (old && old !== row) old.classList.remove("is-current");
  row.classList.add("is-current");
  current = { url: rowLink(row).pathname, index: rows().indexOf(row) };
}

// j and k; focus goes to the row's link so a screen reader follows, and Enter opens it.
function moveRow(step) {
  const all = rows();
  if (!all.length) return false;
  const at = all.indexOf(currentRow());
  const row = all[at < 0 ? 0 : Math.max(0, Math.min(all.length - 1, at + step))];
  markCurrent(row);
  rowLink(row).focus({ preventScroll: true });
  row.scrollIntoView({ block: "nearest" });
  return true;
}

// x: tick or untick the current row's checkbox, with a click, so whatever listens to the
// checkbox hears it. A row without one: nothing.
function toggleRow() {
  const row = currentRow();
  const box =
    row &&
    (row.querySelector("input[type=checkbox][name=conversation]") ||
      row.querySelector("input[type=checkbox]"));
  if (!box) return false;
  box.click();
  return true;
}

// Enter while nothing has focus (a refresh took it): open the current row. With focus on
// a link or a button, Enter is the browser's.
function openRow() {
  const row = currentRow();
  if (!row || !focusLost()) return false;
  rowLink(row).click();
  return true;
}

// Tabbing or clicking into a row makes it the current one.
document.addEventListener("focusin", (event) => {
  const row = event.target.closest && event.target.closest("#conversation-results tbody tr");
  if (row && rowLink(row)) markCurrent(row);
});

// --- Reactions: one Tab stop per message ------------------------------------------------
// A message's reaction buttons are a toolbar (role=toolbar): Tab reaches one of them, the
// arrow keys, Home and End the others, so the reply box is not five Tabs per message
// away. Without this script every button is a Tab stop, as before.

function setTabStop(bar, stop) {
  for (const button of bar.querySelectorAll("button")) button.tabIndex = button === stop ? 0 : -1;
}

function setUpToolbars(root) {
  for (const bar of root.querySelectorAll("[role=toolbar]")) {
    const buttons = [...bar.querySelectorAll("button")];
    setTabStop(bar, buttons.find((button) => button === document.activeElement) || buttons[0]);
  }
}

function toolbarKey(event) {
  const bar = event.target.closest("[role=toolbar]");
  if (!bar || event.shiftKey) return false;
  const buttons = [...bar.querySelectorAll("button")];
  const at = buttons.indexOf(event.target);
  const to = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: buttons.length - 1 }[event.key];
  if (at < 0 || to === undefined) return false;
  const button = buttons[(to + buttons.length) % buttons.length];
  setTabStop(bar, button);
  button.focus();
  return true;
}

document.addEventListener("focusin", (event) => {
  const bar = event.target.closest && event.target.closest("[role=toolbar]");
  if (bar) setTabStop(bar, event.target);
});
setUpToolbars(document);
document.addEventListener("htmx:load", (event) => setUpToolbars(event.target));

// --- Self-refreshing regions: the list's results and the timeline ------------------------
// htmx replaces them whole, and with them the element that had focus. Before the swap,
// note the row or message focus is in and which of its controls; afterwards focus that
// control again (without scrolling), and mark the current row again.

let spot = null; // {region, key, at}

function itemKey(item) {
  return item.id || rowLink(item)?.pathname;
}

document.addEventListener("htmx:beforeSwap", (event) => {
  const region = event.detail.target;
  const active = document.activeElement;
  spot = null;
  if (!event.detail.shouldSwap || !region || !active || !region.contains(active)) return;
  const item = active.closest("tbody tr, li.message");
  if (!item || !region.contains(item)) return;
  spot = {
    region: region.id,
    key: itemKey(item),
    at: [...item.querySelectorAll(CONTROLS)].indexOf(active),
  };
});

document.addEventListener("htmx:afterSwap", (event) => {
  const region = event.target;
  if (region.id === "conversation-results" && current) {
    const all = rows();
    // Gone from the list (closed, say): the row now in its place.
    const row =
      all.find((each) => rowLink(each).pathname === current.url) ||
      all[Math.min(current.index, all.length - 1)];
    if (row) markCurrent(row);
  }
  // (A timeline answer also swaps the header, out of band: not the region, wait for it.)
  if (!spot || region.id !== spot.region) return;
  const item = [...region.querySelectorAll("tbody tr, li.message")].find(
    (each) => itemKey(each) === spot.key,
  );
  const control = item && item.querySelectorAll(CONTROLS)[spot.at];
  if (control && focusLost()) control.focus({ preventScroll: true });
  spot = null;
});

// --- The action panel: after an action, focus goes back where the person was ------------
// Every action re-renders the whole panel (#actions), the control used with it. Noted
// when the form is submitted (before htmx disables its button, which drops focus), then
// focused in the new panel: the field that was used; for a button, the form's first
// typing field (the reply box, the assignee menu), ready for the next one; when the form
// came back with errors, the first invalid field or else its error; when the form is gone
// (closed, all read), the panel's notice.

let used = null; // {form, action, name, typed, control}

document.addEventListener(
  "submit",
  (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.closest("#actions")) return;
    const active = document.activeElement;
    const control = form.contains(active) ? active : event.submitter;
    const action = form.getAttribute("action");
    used = { form, action, name: control?.name, typed: typing(control), control };
  },
  true, // before htmx's own submit handler on the form
);

function focusable(element) {
  if (!element.matches(CONTROLS)) element.tabIndex = -1; // focusable from script only
  return element;
}

function landing(panel) {
  const form = [...panel.querySelectorAll("form")].find(
    (each) => each.getAttribute("action") === used.action,
  );
  if (!form) return focusable(panel.querySelector("[role=status]") || panel);
  const invalid = form.querySelector("[aria-invalid=true]");
  if (invalid) return invalid;
  const error = form.querySelector(".error[role=alert]:not([hidden])");
  if (error) return focusable(error);
  const same = used.typed && form.elements.namedItem(used.name);
  if (same instanceof HTMLElement) return same;
  return form.querySelector(TYPING) || form.querySelector("button") || focusable(form);
}

document.addEventListener("htmx:afterSwap", (event) => {
  const panel = event.target;
  if (panel.id !== "actions" || !used) return;
  // Unless the person has gone elsewhere meanwhile.
  if (focusLost() || panel.contains(document.activeElement)) landing(panel).focus();
  used = null;
});

// No new panel (Flownally refused it with an error, or the request failed): back to the
// control used, enabled again by now.
document.addEventListener("htmx:afterRequest", (event) => {
  if (!used || event.detail.elt !== used.form) return;
  if (used.control?.isConnected && focusLost()) used.control.focus();
  used = null;
});

// --- The keys ----------------------------------------------------------------------------

// The dialog is modal: Esc closes it, and the browser puts focus back where it was, unless
// that element is gone (the list refreshed behind the dialog): then on the current row.
function showHelp() {
  const dialog = document.getElementById("shortcuts");
  if (!dialog) return false;
  dialog.showModal();
  return true;
}
document.getElementById("shortcuts")?.addEventListener("close", (event) => {
  const row = currentRow();
  const stranded = focusLost() || event.target.contains(document.activeElement);
  if (row && stranded) rowLink(row).focus({ preventScroll: true });
});

const SHORTCUTS = {
  "?": showHelp,
  "/": () => focusField(document.querySelector("input[name=q]")),
  j: () => moveRow(1),
  k: () => moveRow(-1),
  x: toggleRow,
  Enter: openRow,
  r: () => focusField(document.querySelector("#actions form.reply textarea[name=body]")),
  a: () => focusField(document.querySelector("#actions select[name=user_id]")),
};

function fieldKey(event, field) {
  if (field.closest("dialog")) return false;
  if (event.key === "Escape" && !event.ctrlKey && !event.shiftKey) {
    field.blur(); // and keep what was typed (a search box would clear itself)
    return true;
  }
  const form = field.form?.closest("#actions") && field.form;
  if (event.key === "Enter" && event.ctrlKey && !event.shiftKey && form) {
    form.requestSubmit(); // as the Send button does: validation, then htmx
    return true;
  }
  return false;
}

document.addEventListener("keydown", (event) => {
  if (event.defaultPrevented || event.isComposing || event.altKey || event.metaKey) return;
  const target = event.target;
  let handled = false;
  if (typing(target)) {
    handled = fieldKey(event, target);
  } else if (!event.ctrlKey && !document.querySelector("dialog[open]")) {
    handled = toolbarKey(event) || (Object.hasOwn(SHORTCUTS, event.key) && SHORTCUTS[event.key]());
  }
  if (handled) event.preventDefault();
});
