"""Answers that only the asker needs (/list, /stats, /help, /settings, "修好了没有"): privately
to whoever has started the bot, otherwise a short reply in the group that is removed after
`bot.lookup_reply_ttl`, so lookups do not pile up between the residents' messages."""

from __future__ import annotations

import contextlib
import logging
import time

from telegram import Chat, InlineKeyboardMarkup, Message, ReactionTypeEmoji
from telegram.error import BadRequest, Forbidden, TelegramError

from bot.context import Context
from bot.present.html import split_message
from bot.present.templates import render
from bot.settings import bot_settings

log = logging.getLogger(__name__)
SENT_PRIVATELY = "👌"  # the reaction on a command answered in private


async def answer(msg: Message, context: Context, html: str, *, private: bool = True,
                 markup: InlineKeyboardMarkup | None = None) -> Message | None:
    """Answer `msg`: in a private chat as a reply; from a group privately when the asker has
    started the bot (and `private`), else as a reply that is removed later. Returns the
    message that stays in the group, if any."""
    if msg.chat.type == Chat.PRIVATE:
        await msg.reply_html(html, reply_markup=markup)
        return None
    user = msg.from_user
    if private and user is not None and await send_private(context, user.id, html, markup,
                                                           group=msg.chat.title):
        await react(msg, SENT_PRIVATELY)
        return None
    parts = split_message(html)
    sent = [await msg.reply_html(p, reply_markup=markup if k == len(parts) - 1 else None)
            for k, p in enumerate(parts)]
    remove_later(context, msg.chat.id, [m.message_id for m in sent], msg.message_id)
    return sent[-1]


async def send_private(context: Context, user_id: int, html: str,
                       markup: InlineKeyboardMarkup | None = None, *,
                       group: str | None = None) -> Message | None:
    """A private message, if this person has started the bot (Telegram refuses otherwise).
    `group`: the title of the group it is about, said first — a worker with several groups
    reads "#5" or "本群" in one private chat."""
    closed = context.bot_data.private_closed
    if user_id in closed:  # failed within the last hour (`BotData.private_closed`)
        return None
    if group:
        html = f"{render('private_about', group=group)}\n{html}"
    try:
        return await context.bot.send_message(user_id, html, reply_markup=markup)
    except (Forbidden, BadRequest) as exc:  # "bot can't initiate conversation", "chat not found"
        log.debug("no private chat with %s: %s", user_id, exc)
        closed[user_id] = time.monotonic()
        return None


def remove_later(context: Context, chat_id: int, own: list[int], asked: int | None = None
                 ) -> None:
    """Delete our answer (and, where we may, the command that asked) after the ttl."""
    queue = context.job_queue
    settings = context.bot_data.settings
    if queue is None or settings is None:
        return
    queue.run_once(_remove, bot_settings(settings).lookup_reply_ttl.total_seconds(),
                   data=(chat_id, own, asked), name=f"remove-{chat_id}-{own[0]}")


async def _remove(context: Context) -> None:
    assert context.job is not None
    chat_id: int
    own: list[int]
    asked: int | None
    chat_id, own, asked = context.job.data  # type: ignore[misc]  # set by remove_later
    for message_id in own:
        try:
            await context.bot.delete_message(chat_id, message_id)
        except TelegramError as exc:
            log.info("answer %s in %s not removed: %s", message_id, chat_id, exc)
    if asked is not None:
        # Only an admin bot may delete someone else's command; otherwise it stays.
        with contextlib.suppress(TelegramError):
            await context.bot.delete_message(chat_id, asked)


async def react(msg: Message, emoji: str) -> None:
    """A reaction instead of a message ("seen", "sent you privately"); best effort."""
    try:
        await msg.set_reaction(ReactionTypeEmoji(emoji))
    except TelegramError as exc:
        log.debug("no reaction on %s: %s", msg.message_id, exc)
