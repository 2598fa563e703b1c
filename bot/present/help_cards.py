"""The card of a help request (求助、微心愿): what is asked, by whom, where, and who took it
on; edited in place as a volunteer claims it and marks it done."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callbacks import HelpAct
from bot.present.cards import mention
from bot.present.templates import render, safe
from issues.helping import HelpStatus, HelpView
from issues.privacy import mask

SHOWN = 500  # characters of the request on its card
BUTTONS = {HelpStatus.OPEN: ("claim", "withdraw"), HelpStatus.CLAIMED: ("done", "release")}


def help_card(h: HelpView, volunteers: int) -> tuple[str, InlineKeyboardMarkup | None]:
    html = render("wish_card", h=h, text=mask(h.text[:SHOWN]), volunteers=volunteers,
                  requester=safe(mention(h.requester)),
                  volunteer=safe(mention(h.volunteer)) if h.volunteer else "")
    actions = BUTTONS.get(h.status, ())
    markup = InlineKeyboardMarkup([[
        InlineKeyboardButton(render(f"wish_button.{a}"), callback_data=HelpAct(h.id, a).pack())
        for a in actions]]) if actions else None
    return html, markup
