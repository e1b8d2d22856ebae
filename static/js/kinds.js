// Reply and New message: only the fields of the chosen kind of content show (Text, WhatsApp
// template, File). The others are hidden and disabled, so what is sent is what was shown.
// Without this script every field shows and the server sorts the kinds out. On New message a
// template is offered only while the chosen inbox is on WhatsApp, the one channel that takes them.

function inboxChannel(form) {
  const map = form.dataset.channels && document.getElementById(form.dataset.channels);
  const inbox = form.querySelector("select[name=inbox_id]");
  if (!map || !inbox) return null;
  return JSON.parse(map.textContent)[inbox.value] || null;
}

function offerTemplates(form, inboxChanged) {
  const channel = inboxChannel(form);
  const template = form.querySelector("input[name=kind][value=template]");
  const text = form.querySelector("input[name=kind][value=text]");
  if (channel === null || !template || !text) return;
  const takes = channel === "whatsapp";
  template.disabled = !takes;
  template.closest(".check").hidden = !takes;
  const note = form.querySelector("[data-no-templates]");
  if (note) note.hidden = takes;
  if (!takes && template.checked) text.checked = true;
  // A new WhatsApp conversation must start with a template.
  if (takes && inboxChanged) template.checked = true;
}

function showKind(form) {
  const checked = form.querySelector("input[name=kind]:checked");
  const kind = checked ? checked.value : null;
  form.querySelectorAll("[data-kind]").forEach((part) => {
    const shown = kind === null || part.dataset.kind.split(" ").includes(kind);
    part.hidden = !shown;
    part.querySelectorAll("input, textarea, select").forEach((field) => { field.disabled = !shown; });
  });
  form.querySelectorAll("[data-label-media]").forEach((label) => {
    label.dataset.labelText ??= label.textContent;
    label.textContent = kind === "media" ? label.dataset.labelMedia : label.dataset.labelText;
  });
}

// A name sent before (the <datalist>) in one language only: that language is picked too.
function pickLanguage(form, field) {
  const select = form.querySelector("select[name=template_language]");
  if (!field.list || !select) return;
  const languages = [...field.list.options].filter((o) => o.value === field.value).map((o) => o.dataset.language);
  if (languages.length === 1 && [...select.options].some((o) => o.value === languages[0])) select.value = languages[0];
}

function setUp(root) {
  const forms = root.matches?.("form[data-kinds]") ? [root] : [...(root.querySelectorAll?.("form[data-kinds]") ?? [])];
  forms.forEach((form) => { offerTemplates(form, false); showKind(form); });
}

document.addEventListener("change", (event) => {
  const form = event.target.closest?.("form[data-kinds]");
  if (!form) return;
  if (event.target.name === "inbox_id") offerTemplates(form, true);
  if (event.target.name === "kind" || event.target.name === "inbox_id") showKind(form);
});
document.addEventListener("input", (event) => {
  const form = event.target.closest?.("form[data-kinds]");
  if (form && event.target.name === "template_name") pickLanguage(form, event.target);
});
document.addEventListener("htmx:load", (event) => setUp(event.detail.elt));
document.addEventListener("DOMContentLoaded", () => setUp(document));
