"""Voice messages: the bot cannot listen to them yet. In a group most voice is neighbours
talking to each other, and a notice under each would be noise; but a voice message that
answers the bot (a reply to a card or to "哪里不满意？", or the reporter's next message just
after she was asked) or is sent to it privately expects to be heard: it is told, once a
while per person and chat, to type it instead. Nothing is filed from a voice message."""

from __future__ import annotations

from telegram import Update

from bot.context import Context
from bot.handlers import talk
from bot.handlers.spotting import from_a_person, replies_to_bot
from bot.present.templates import render


async def on_group_voice(update: Update, context: Context) -> None:
    msg = update.effective_message
    if msg is None or not from_a_person(msg) or msg.from_user is None:
        return
    if not (replies_to_bot(msg, context) or talk.asked_why(msg.chat.id, msg.from_user.id,
                                                          context)):
        return  # neighbours talking: not ours to answer
    if _told(context, msg.chat.id, msg.from_user.id):
        return
    await msg.reply_html(render("voice_unheard"))


async def on_private_voice(update: Update, context: Context) -> None:
    msg = update.effective_message
    if msg is not None and msg.from_user is not None \
            and not _told(context, msg.chat.id, msg.from_user.id):
        await msg.reply_html(render("voice_unheard_private"))


def _told(context: Context, chat_id: int, user_id: int) -> bool:
    """Whether this person was told in this chat a moment ago (VOICE_TOLD_FOR): a second
    voice message in a row gets no second notice."""
    told = context.bot_data.voice_told
    if (chat_id, user_id) in told:
        return True
    told[(chat_id, user_id)] = True
    return False
