"""Inline buttons on the card and the rating question. Refusals are alerts, not messages,
so a neighbour pressing an owner's button does not spam the group."""

from __future__ import annotations

import logging
import re

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ContextTypes

from bot import context as ctx
from bot.present.announce import announce, relay_to_department
from bot.present.templates import render
from issues.errors import IssueError, NotFound

log = logging.getLogger(__name__)


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    q = update.callback_query
    if q is None or not q.data:
        return
    parts = q.data.split(":")
    action = parts[0]
    try:
        issue_id = int(parts[1])
    except (IndexError, ValueError):
        await q.answer(render("button_expired"), show_alert=True)
        return
    svc = ctx.service(context)
    actor = ctx.person(q.from_user)
    try:
        issue = await svc.get_issue_by_id(issue_id)
        chat, n = issue.chat_id, issue.number
        if action == "ack":
            result = await svc.acknowledge(chat, n, actor)
        elif action == "resolve":
            result = await svc.resolve(chat, n, actor)
        elif action == "notissue":
            result = await svc.reject(chat, n, actor, render("false_positive_reason"),
                                      as_false_positive=True)
        elif action == "rate" and len(parts) == 3:
            result = await svc.rate(chat, n, actor, int(parts[2]))
        elif action == "dispatch":
            await _choose_department(update, context, issue_id)
            return
        elif action == "esc" and len(parts) == 3:
            result = await svc.escalate(chat, n, actor, parts[2])
            await relay_to_department(context.bot, svc, result.issue)
        else:
            await q.answer(render("button_expired"), show_alert=True)
            return
    except NotFound:
        await q.answer(render("issue_gone"), show_alert=True)
        return
    except IssueError as err:
        await q.answer(_plain(ctx.error_text(err)), show_alert=True)
        return
    await q.answer(render("button_done"))
    await announce(context.bot, svc, result)


async def _choose_department(update: Update, context: ContextTypes.DEFAULT_TYPE,
                             issue_id: int) -> None:
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
        row.append(InlineKeyboardButton(d.name, callback_data=f"esc:{issue_id}:{d.code}"))
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


def _plain(html: str) -> str:
    """Alerts show plain text (200 characters at most)."""
    return re.sub(r"<[^>]+>", "", html)[:200]
