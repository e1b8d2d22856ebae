"""In real Chromium: Reply and New message show only the chosen kind's fields (kinds.js)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from dashboard.accounts.roles import SUPERVISOR
from dashboard.simulator.seed import REFERENCE_CONVERSATION_ID
from tests.support.browser import screenshot

pytestmark = pytest.mark.browser
ANNA = f"/conversations/{REFERENCE_CONVERSATION_ID}/"


def test_the_reply_form_shows_only_the_chosen_kinds_fields(sign_in, sim, dashboard):
    page = sign_in(SUPERVISOR)
    page.goto(dashboard.url + ANNA)
    form = page.locator("form.reply")
    body, name, upload = (
        form.locator("textarea[name=body]"),
        form.locator("input[name=template_name]"),
        form.locator("input[name=file]"),
    )
    expect(body).to_be_visible()
    expect(name).to_be_hidden()
    expect(upload).to_be_hidden()
    form.locator("input[name=kind][value=template]").check()
    expect(name).to_be_visible()
    expect(body).to_be_hidden()
    form.locator("input[name=kind][value=media]").check()
    expect(upload).to_be_visible()
    expect(form).to_contain_text("Caption (optional)")
    expect(name).to_be_hidden()
    screenshot(page, "reply-file")
    # What is hidden is not sent: a template with a leftover message box goes as a template.
    form.locator("input[name=kind][value=text]").check()
    body.fill("left over")
    form.locator("input[name=kind][value=template]").check()
    name.fill("order_ready")
    form.locator("button[type=submit]").click()
    expect(page.locator("#actions")).to_contain_text("Message sent.")


def test_new_message_offers_templates_only_from_whatsapp_inboxes(sign_in, sim, dashboard):
    page = sign_in(SUPERVISOR)
    page.goto(dashboard.url + "/messages/new/")
    template = page.locator("input[name=kind][value=template]")
    expect(template).to_be_checked()
    expect(page.locator("input[name=template_name]")).to_be_visible()
    expect(page.locator("textarea[name=body]")).to_be_hidden()
    page.select_option("select[name=inbox_id]", label="Email support (email)")
    expect(template).to_be_hidden()
    expect(page.locator("input[name=kind][value=text]")).to_be_checked()
    expect(page.locator("textarea[name=body]")).to_be_visible()
    expect(page.get_by_text("Templates are WhatsApp only.")).to_be_visible()
    screenshot(page, "new-message-email")
    page.select_option("select[name=inbox_id]", label="Support WhatsApp (whatsapp)")
    expect(template).to_be_checked()
    expect(page.locator("input[name=template_name]")).to_be_visible()


def test_picking_a_name_sent_before_picks_its_language(sign_in, sim, dashboard):
    from dashboard.accounts.models import AuditEntry

    AuditEntry.objects.create(
        username="someone", action="send_new", outcome="ok", summary="template order_ready (pl)"
    )
    page = sign_in(SUPERVISOR)
    page.goto(dashboard.url + "/messages/new/")
    page.fill("input[name=template_name]", "order_ready")
    expect(page.locator("select[name=template_language]")).to_have_value("pl")


def test_names_in_the_reassign_menu_are_not_cut_off(sign_in, dashboard):
    page = sign_in(SUPERVISOR)
    page.goto(dashboard.url + ANNA)
    menu = page.locator("#actions select[name=user_id]")
    # The widest name, set in the menu's own font, against the room the menu gives it (its
    # width less padding and the arrow).
    room, widest = menu.evaluate(
        """select => {
             const style = getComputedStyle(select);
             const probe = document.createElement("span");
             probe.style.font = style.font;
             probe.style.position = "absolute";
             document.body.append(probe);
             const widths = [...select.options].map((o) => { probe.textContent = o.text; return probe.offsetWidth; });
             probe.remove();
             const padding = parseFloat(style.paddingLeft) + parseFloat(style.paddingRight);
             return [select.clientWidth - padding - 20, Math.max(...widths)];
           }"""
    )
    assert widest <= room, (widest, room)
