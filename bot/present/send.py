"""Posting back into the group: updates as replies to the resident's message, the card
edited in place, long texts split at Telegram's 4096 characters."""

from __future__ import annotations

import logging

from telegram import Bot, ForceReply, InlineKeyboardMarkup, Message, ReplyParameters
from telegram.error import BadRequest

from bot.present.cards import render_card
from bot.present.html import split_message
from issues.settings import Settings
from issues.views import GroupView, IssueView

log = logging.getLogger(__name__)


async def send_html(bot: Bot, chat_id: int, html: str, *,
                    reply_to: int | None = None,
                    markup: InlineKeyboardMarkup | ForceReply | None = None) -> Message:
    """Send HTML, split over 4096 characters; the keyboard goes on the last piece."""
    parts = split_message(html)
    msg: Message | None = None
    for n, part in enumerate(parts):
        last = n == len(parts) - 1
        msg = await bot.send_message(
            chat_id, part,
            reply_parameters=ReplyParameters(reply_to, allow_sending_without_reply=True)
            if reply_to and n == 0 else None,
            reply_markup=markup if last else None,
        )
    assert msg is not None
    return msg


async def post_issue_update(bot: Bot, issue: IssueView, html: str,
                            markup: InlineKeyboardMarkup | ForceReply | None = None) -> Message:
    """A reply to the resident's original message, so the thread stays together."""
    return await send_html(bot, issue.chat_id, html, reply_to=issue.source_message_id,
                           markup=markup)


async def refresh_card(bot: Bot, issue: IssueView, group: GroupView | None,
                       settings: Settings | None = None) -> None:
    """Edit the card in place so the latest state is always on it."""
    if issue.card_message_id is None:
        return
    html, markup = render_card(issue, group, settings)
    try:
        await bot.edit_message_text(html, issue.chat_id, issue.card_message_id,
                                    reply_markup=markup)
    except BadRequest as exc:
        if "not modified" in str(exc).lower():
            return
        if "not found" in str(exc).lower():
            log.info("card of issue %s is gone", issue.id)
            return
        raise
