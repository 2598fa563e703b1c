"""/notice: a unit's official notice to every group under it, and its follow-ups.

`/notice 内容` in a unit's own group (by its owner or admins, or a district admin) registers
a numbered notice; `/notice N 进展` a follow-up to the same groups. The posts go out in the
background, paced under Telegram's flood limits (bot.jobs.notices), and the unit's group is
told when they have all been sent.
"""

from __future__ import annotations

import re

from telegram import Message, MessageEntity, Update

from bot import context as ctx
from bot.context import Context
from bot.handlers.rights import with_fresh_admins
from bot.jobs.notices import deliver_and_report
from bot.present.templates import render

# "/notice 1 抢修队已进场": a follow-up of notice 1; "/notice 1" alone is one without its text.
_FOLLOW_UP = re.compile(r"^[#＃]?(\d{1,6})(?:\s+(\S[\s\S]*))?$")


def command_text(msg: Message) -> str:
    """What follows the command, with its line breaks (context.args loses them)."""
    text = msg.text or ""
    for ent in msg.entities:
        if ent.type == MessageEntity.BOT_COMMAND and ent.offset == 0:
            return text[len(msg.parse_entity(ent)):].strip()
    return text.strip()


async def notice_cmd(update: Update, context: Context) -> None:
    msg = await ctx.group_message(update)
    if msg is None or msg.from_user is None:
        return
    body = command_text(msg)
    if not body:
        await msg.reply_html(render("notice_usage"))
        return
    svc = ctx.service(context)
    await ctx.ensure_group(context, msg.chat)
    actor = ctx.person(msg.from_user)
    follow = _FOLLOW_UP.match(body)
    if follow:
        notice = await with_fresh_admins(context, msg.chat.id, lambda: svc.notices.follow_up(
            msg.chat.id, actor, int(follow.group(1)), follow.group(2) or ""))
    else:
        notice = await with_fresh_admins(context, msg.chat.id,
                                         lambda: svc.notices.send(msg.chat.id, actor, body))
    tally = notice.tallies[-1]
    await msg.reply_html(render("notice_queued", unit=notice.unit_name, number=notice.number,
                                seq=tally.seq, groups=tally.groups))
    context.application.create_task(
        deliver_and_report(context.bot, svc, notice.id, tally.seq, msg.chat.id,
                           msg.message_id), update=update, name=f"notice-{notice.id}")
