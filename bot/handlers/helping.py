"""Help requests (求助、微心愿) and volunteers.

- A group message the detector reads as a request for a neighbour's hand
  (`nlp.intent.help_request`), or `/wish 内容`, gets a help card with 认领: a volunteer of
  the group (or of a unit above it) claims it, then it is marked 完成 and the volunteer earns
  points. The card is edited in place; nothing else is posted.
- `/volunteer` joins this group's volunteer list (in a unit's own group: the unit's, for
  every group under it); `/volunteer 退出` leaves it.
- `/points`: one's own points, and this month's most active volunteers.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from telegram import Message, Update
from telegram.error import BadRequest

from bot import context as ctx
from bot.callbacks import HelpAct, parse
from bot.context import Context
from bot.handlers.buttons import elsewhere_ok, offered
from bot.handlers.notices import command_text
from bot.present.help_cards import help_card
from bot.present.send import send_html
from bot.present.templates import render
from issues.helping import HelpView
from nlp.intent import HelpRequest, help_request

LEAVE = ("退出", "离开", "取消", "leave", "quit")
JOIN = ("加入", "报名", "参加", "join")


async def post_request(msg: Message, context: Context, text: str, wish: HelpRequest) -> None:
    """Record the help request of `msg` (once, however often the update comes) and post its
    card under it, unless it is there already (a repeated update after a failed send posts
    it then)."""
    assert msg.from_user is not None
    svc = ctx.service(context)
    h = await svc.helping.ask(msg.chat.id, msg.message_id, ctx.person(msg.from_user), text,
                              wish.needs, wish.place)
    if h.card_message_id is not None:
        return
    html, markup = help_card(h, await svc.helping.volunteers(msg.chat.id))
    card = await send_html(context.bot, msg.chat.id, html, reply_to=msg.message_id,
                           markup=markup)
    await svc.helping.set_card(h.id, card.message_id)


async def wish_cmd(update: Update, context: Context) -> None:
    """/wish 内容: a help request in so many words, whatever the detector would say."""
    msg = await ctx.group_message(update)
    if msg is None or msg.from_user is None:
        return
    text = command_text(msg)
    if not text:
        await msg.reply_html(render("wish_usage"))
        return
    await ctx.ensure_group(context, msg.chat)
    wish = help_request(text) or HelpRequest((), None)
    await post_request(msg, context, text, wish)


async def volunteer_cmd(update: Update, context: Context) -> None:
    msg = await ctx.group_message(update)
    if msg is None or msg.from_user is None:
        return
    await ctx.ensure_group(context, msg.chat)
    said = command_text(msg)
    if said and said not in LEAVE and said not in JOIN:
        # "/volunteer 不参加了" must not sign her up: only the words we know move the list.
        await msg.reply_html(render("volunteer_usage"))
        return
    leave = said in LEAVE
    svc = ctx.service(context)
    done = await svc.helping.join(msg.chat.id, ctx.person(msg.from_user), leave=leave)
    # A reply to her own command: named, not pinged.
    await msg.reply_html(render("volunteer_left" if leave else "volunteer_joined", m=done,
                                who=msg.from_user.full_name))


async def points_cmd(update: Update, context: Context) -> None:
    msg = await ctx.group_message(update)
    if msg is None or msg.from_user is None:
        return
    group = await ctx.ensure_group(context, msg.chat)
    svc = ctx.service(context)
    local = svc.clock().astimezone(ZoneInfo(group.timezone))
    month = datetime(local.year, local.month, 1, tzinfo=local.tzinfo)
    p = await svc.helping.points(msg.chat.id, ctx.person(msg.from_user), month)
    await msg.reply_html(render("points", p=p, month=local.month,
                                who=msg.from_user.full_name))


def is_help_button(data: object) -> bool:
    return isinstance(data, str) and isinstance(parse(data), HelpAct)


async def on_help_button(update: Update, context: Context) -> None:
    """认领 / 完成 / 放弃认领 / 不是求助 on a help card: the card follows, the presser gets a
    short answer (refusals are alerts, bot.errors)."""
    q = update.callback_query
    data = parse(q.data) if q else None
    if q is None or not isinstance(data, HelpAct):
        return
    svc = ctx.service(context)
    if not offered(q) or not elsewhere_ok(q.message, (await svc.helping.get(
            data.help_id)).chat_id):
        await q.answer(render("button_expired"), show_alert=True)
        return
    h = await svc.helping.act(data.help_id, ctx.person(q.from_user), data.action)
    await _refresh(context, h)
    await q.answer(render(f"wish_answer.{data.action}", h=h))


async def _refresh(context: Context, h: HelpView) -> None:
    if h.card_message_id is None:
        return
    html, markup = help_card(h, await ctx.service(context).helping.volunteers(h.chat_id))
    try:
        await context.bot.edit_message_text(html, h.chat_id, h.card_message_id,
                                            reply_markup=markup)
    except BadRequest as exc:
        if "not modified" not in str(exc).lower() and "not found" not in str(exc).lower():
            raise
