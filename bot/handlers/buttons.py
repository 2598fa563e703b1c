"""Inline buttons on the card and the rating question. Refusals are alerts (bot.errors), not
messages, so a neighbour pressing an owner's button does not spam the group."""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot import context as ctx
from bot.callbacks import Ack, Dispatch, Escalate, IssueButton, NotIssue, Rate, Resolve, parse
from bot.context import Context
from bot.present.announce import announce, relay_to_department
from bot.present.templates import render
from issues.views import TransitionResult

log = logging.getLogger(__name__)


async def on_button(update: Update, context: Context) -> None:
    q = update.callback_query
    if q is None:
        return
    data = parse(q.data)
    if not isinstance(data, IssueButton):
        await q.answer(render("button_expired"), show_alert=True)
        return
    svc = ctx.service(context)
    actor = ctx.person(q.from_user)
    issue = await svc.get_issue_by_id(data.issue_id)
    chat, n = issue.chat_id, issue.number
    result: TransitionResult
    match data:
        case Ack():
            result = await svc.acknowledge(chat, n, actor)
        case Resolve():
            result = await svc.resolve(chat, n, actor)
        case NotIssue():
            result = await svc.reject(chat, n, actor, render("false_positive_reason"),
                                      as_false_positive=True)
        case Rate(score=score):
            result = await svc.rate(chat, n, actor, score)
        case Escalate(department=code):
            result = await svc.escalate(chat, n, actor, code)
            await relay_to_department(context.bot, svc, result.issue)
        case Dispatch():
            await _choose_department(update, context, issue.id)
            return
        case _:  # a kind of issue button this version no longer offers
            await q.answer(render("button_expired"), show_alert=True)
            return
    await q.answer(render("button_done"))
    await announce(context.bot, svc, result)


async def _choose_department(update: Update, context: Context, issue_id: int) -> None:
    """交办: the departments as buttons, under the card (the choice is checked on press)."""
    q = update.callback_query
    assert q is not None
    svc = ctx.service(context)
    issue = await svc.get_issue_by_id(issue_id)
    group = await svc.get_group(issue.chat_id)
    roles_ok = group is not None and (
        (group.owner and group.owner.user_id == q.from_user.id)
        or any(a.user_id == q.from_user.id for a in group.admins)
        or (issue.assignee and issue.assignee.user_id == q.from_user.id))
    if not roles_ok:
        await q.answer(render("dispatch_forbidden"), show_alert=True)
        return
    depts = ctx.settings(context).departments
    rows, row = [], []
    for d in depts:
        row.append(InlineKeyboardButton(d.name,
                                        callback_data=Escalate(issue_id, d.code).pack()))
        if len(row) == 4:
            rows.append(row)
            row = []
    if row:
        rows.append(row)
    await q.answer()
    await context.bot.send_message(
        issue.chat_id, render("dispatch_choose", number=issue.number),
        reply_to_message_id=issue.card_message_id,
        reply_markup=InlineKeyboardMarkup(rows))
