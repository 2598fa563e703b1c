"""/start, /help, joining a group, privacy-mode warning, unknown commands."""

from __future__ import annotations

import logging

from telegram import Chat, ChatMemberUpdated, Message, Update
from telegram.constants import ChatMemberStatus

from bot.context import Context, register, service
from bot.handlers.gate import command_of, within_limit
from bot.present.cards import mention
from bot.present.lookup import answer
from bot.present.templates import render, safe

log = logging.getLogger(__name__)

_IN_GROUP = {ChatMemberStatus.MEMBER, ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER}


async def can_read_all(context: Context, chat: Chat) -> bool:
    """Whether the bot sees ordinary messages here: privacy mode off, or it is an admin."""
    me = await context.bot.get_me()  # fresh: privacy mode may have changed since start-up
    if me.can_read_all_group_messages:
        return True
    member = await context.bot.get_chat_member(chat.id, me.id)
    return member.status in (ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER)


async def introduce(context: Context, chat: Chat, asked: Message | None = None) -> None:
    """Register the group (owner = its creator, unless one was set) and say hello, naming
    the owner — mentioned when the bot joins; by name, as an answer to the asker only (a
    lookup's answer: privately, or a reply removed later), when someone sends /start again
    (the owner set with /setowner, not the creator, and not pinged each time) — with a
    privacy warning."""
    group = await register(context, chat)
    hello = render("start", owner=safe(mention(group.owner, notify=asked is None)))
    if asked is None:
        await context.bot.send_message(chat.id, hello)
    else:
        await answer(asked, context, hello)
    if not await can_read_all(context, chat):
        await context.bot.send_message(chat.id, render("privacy_warning"))


async def on_my_chat_member(update: Update, context: Context) -> None:
    change: ChatMemberUpdated | None = update.my_chat_member
    if change is None or change.chat.type not in (Chat.GROUP, Chat.SUPERGROUP):
        return
    was_in = change.old_chat_member.status in _IN_GROUP
    now_in = change.new_chat_member.status in _IN_GROUP
    if now_in and not was_in:
        log.info("added to group %s", change.chat.id)
        await introduce(context, change.chat)


async def on_migrate(update: Update, context: Context) -> None:
    """A basic group became a supergroup (a new chat id): the ledger follows it. Telegram
    says so in both chats (migrate_to_chat_id in the old one, migrate_from_chat_id in the
    new one); whichever comes first moves the group, the other finds it moved."""
    msg = update.effective_message
    if msg is None:
        return
    if msg.migrate_to_chat_id is not None:
        old, new = msg.chat.id, msg.migrate_to_chat_id
    elif msg.migrate_from_chat_id is not None:
        old, new = msg.migrate_from_chat_id, msg.chat.id
    else:
        return
    if await service(context).migrate_group(old, new) is not None:
        log.info("group %s is now supergroup %s", old, new)


async def on_start(update: Update, context: Context) -> None:
    chat = update.effective_chat
    if chat is None or update.effective_message is None:
        return
    if chat.type in (Chat.GROUP, Chat.SUPERGROUP):
        await introduce(context, chat, asked=update.effective_message)
    else:
        # They opened the private chat: answers and questions may come here from now on.
        context.bot_data.private_closed.pop(chat.id, None)
        await update.effective_message.reply_html(render("start_private"))


async def on_private_message(update: Update, context: Context) -> None:
    """Words (or a photo) sent to the bot in a private chat: nothing is filed from here — a
    complaint belongs in the group, where the owner and the neighbours see it — so the sender
    is told where to say it rather than left thinking it was taken."""
    msg = update.effective_message
    if msg is not None and await within_limit(msg, context):
        await msg.reply_html(render("private_chat"))


async def on_help(update: Update, context: Context) -> None:
    if update.effective_message:
        await answer(update.effective_message, context, render("help"))


async def on_unknown_command(update: Update, context: Context) -> None:
    msg = update.effective_message
    if msg is None:
        return
    name = command_of(msg, context)  # None: addressed to another bot in the group
    if name is None or name in context.bot_data.commands:
        return  # a known command; its own handler answered
    await msg.reply_html(render("unknown_command"))
