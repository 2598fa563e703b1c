"""What a command meets before any handler (handler group -1), and a member's limit of
answers, which the chat's questions and help requests and what is said to the bot in a
private chat share (`within_limit`).

- A command sent in the name of a chat — an anonymous admin (Telegram's GroupAnonymousBot
  speaks for them) or a member posting as their channel — comes from no one we can tell
  apart: acting or filing on it would record one shared bot account as the person, in every
  group at once. The sender is told, in one line, to send it as themselves.
- One member's commands and questions to the bot are limited (`ASKED_PER_MINUTE`): each
  is answered in the group (a refusal, "没有这个命令", a lookup's short reply, an issue's
  status), and a member sending a hundred would spend the group's Telegram allowance (20
  messages a minute) and hold back everyone's cards; in a private chat, the bot's own (30 a
  second for every chat at once).
  Past the limit they are told once and the rest are left alone, as the intake limit does
  for reports (`bot.handlers.limits`). The group's owner and admins are not limited: their
  commands are the work itself (clearing a backlog is many /ack and /resolve at once).
"""

from __future__ import annotations

from telegram import Message, MessageEntity, Update
from telegram.ext import ApplicationHandlerStop

from bot import context as ctx
from bot.context import Context
from bot.handlers.limits import Verdict
from bot.handlers.talk import manages
from bot.present.templates import render

ASKED_PER_MINUTE = 10
WINDOW = 60.0  # seconds


def command_of(msg: Message, context: Context) -> str | None:
    """The name of the command the message starts with when it is for this bot (/cmd, or
    /cmd@our_username), lower-cased; None for a plain message or another bot's command."""
    entity = next((e for e in msg.entities if e.offset == 0
                   and e.type == MessageEntity.BOT_COMMAND), None)
    if entity is None:
        return None
    name, _, target = msg.parse_entity(entity)[1:].partition("@")
    me = context.bot_data.me
    if target and me is not None and target.lower() != (me.username or "").lower():
        return None
    return name.lower()


async def on_command(update: Update, context: Context) -> None:
    msg = update.effective_message
    if msg is None or command_of(msg, context) is None:
        return
    if msg.sender_chat is not None and not msg.is_automatic_forward:
        await msg.reply_html(render("faceless_command"))
        raise ApplicationHandlerStop
    if not await within_limit(msg, context):
        raise ApplicationHandlerStop


async def within_limit(msg: Message, context: Context) -> bool:
    """Whether the bot may answer one more of the sender's commands or questions ("修好了
    没有", "@诉求助手 你好") this minute; past the limit the sender is told once (False)."""
    limiter = context.bot_data.asking_limiter
    if limiter is None or msg.from_user is None:
        return True
    verdict = await limiter.check(msg.from_user.id)
    if verdict is Verdict.TAKE or await _manager(context, msg):
        return True
    if verdict is Verdict.TELL:
        await msg.reply_html(render("asking_too_fast"))
    return False


async def _manager(context: Context, msg: Message) -> bool:
    """The sender is the group's owner or an admin (asked only past the limit)."""
    assert msg.from_user is not None
    group = await ctx.service(context).get_group(msg.chat.id, max_age=ctx.GROUP_MAX_AGE)
    return group is not None and manages(group, msg.from_user.id)
