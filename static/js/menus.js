// Escape closes an open <details class="menu"> (the list's filter menus, the bulk toolbar's),
// the one holding the focus, else any open one, and gives the focus back to its summary,
// as a menu button does.
document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape" || event.defaultPrevented || document.querySelector("dialog[open]")) return;
  const menu = document.activeElement?.closest?.("details.menu[open]") ?? document.querySelector("details.menu[open]");
  if (!menu) return;
  menu.open = false;
  menu.querySelector("summary")?.focus();
  event.preventDefault();
});
