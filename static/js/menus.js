// Escape closes an open <details class="menu"> (the list's filter menus, the bulk toolbar's,
// and the navigation folded on a phone, details.nav-menu),
// the one holding the focus, else any open one, and gives the focus back to its summary,
// as a menu button does.
const OPEN = "details.menu[open], details.nav-menu[open]";
document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape" || event.defaultPrevented || document.querySelector("dialog[open]")) return;
  const menu = document.activeElement?.closest?.(OPEN) ?? document.querySelector(OPEN);
  if (!menu) return;
  menu.open = false;
  menu.querySelector("summary")?.focus();
  event.preventDefault();
});
