"""吹哨报到: an escalated issue goes to its department's group, where members /claim it and
report progress; every step is relayed to the resident's group."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import Application, CommandHandler, ContextTypes

from bot import context as ctx
from bot.flows import announce
from bot.notify import local_time
from bot.render import escape, mask_private
from issues.errors import IssueError
from issues.views import IssueView

log = logging.getLogger(__name__)


async def relay_to_department(context: ContextTypes.DEFAULT_TYPE, issue: IssueView) -> None:
    """Post the escalated issue into the department's own group, when it has one."""
    if not issue.department_code:
        return
    chat_id = await ctx.service(context).department_chat(issue.department_code)
    if chat_id is None:
        return
    text = (f"📣 <b>吹哨：{escape(issue.group_title)} 第 {issue.id} 号诉求</b>\n"
            f"{escape(issue.category_name)} · {escape(issue.location_text or '地点未填')}\n"
            f"{escape(mask_private(issue.text[:300]))}\n"
            f"办结时限：{local_time(issue.resolve_due_at, ctx.settings(context).timezone)}\n"
            f"请发送 /claim {issue.id} 报到认领；办结后发送 /done {issue.id} 说明。")
    await context.bot.send_message(chat_id, text, parse_mode=ParseMode.HTML)


async def dept_cmd(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    msg = update.effective_message
    if msg is None or msg.from_user is None or not ctx.is_group(update.effective_chat):
        return
    args = context.args or []
    codes = {d.code: d.name for d in ctx.settings(context).departments}
    if len(args) == 2 and args[0] == "add":
        try:
            await ctx.service(context).register_department_group(
                msg.chat.id, args[1], ctx.person(msg.from_user), msg.chat.title or "")
        except IssueError as err:
            await msg.reply_html(ctx.error_text(err))
            return
        await msg.reply_html(f"✅ 本群已登记为「{escape(codes[args[1]])}」的部门群。"
                             f"吹哨到该部门的诉求会发到这里。")
        return
    listing = "、".join(f"{name}（{code}）" for code, name in codes.items())
    await msg.reply_html(f"用法：在部门群里发送 /dept add 部门代码\n可选部门：{escape(listing)}")


async def claim_cmd(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await _dept_action(update, context, "claim")


async def done_cmd(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await _dept_action(update, context, "done")


async def _dept_action(update: Update, context: ContextTypes.DEFAULT_TYPE, what: str) -> None:
    msg = update.effective_message
    if msg is None or msg.from_user is None:
        return
    args = context.args or []
    if not args or not args[0].lstrip("#").isdigit():
        await msg.reply_html(f"用法：/{what} 诉求编号（部门群里的编号）")
        return
    svc = ctx.service(context)
    group = await svc.get_group(msg.chat.id)
    actor = ctx.person(msg.from_user)
    try:
        if group is not None and group.department_code:
            await svc.add_department_member(group.department_code, actor)
        issue_id = int(args[0].lstrip("#"))
        if what == "claim":
            result = await svc.claim(issue_id, actor)
        else:
            issue = await svc.get_issue_by_id(issue_id)
            result = await svc.resolve(issue.chat_id, issue.number, actor,
                                       " ".join(args[1:]) or None)
    except IssueError as err:
        await msg.reply_html(ctx.error_text(err))
        return
    await msg.reply_html(f"✅ 已{'报到认领' if what == 'claim' else '办结'}第 {result.issue.id} "
                         f"号诉求，已同步到居民群。")
    await announce(context.bot, svc, result)


async def escalate_cmd(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/escalate N 部门代码: 吹哨 from the resident's group to a department."""
    msg = update.effective_message
    if msg is None or msg.from_user is None or not ctx.is_group(update.effective_chat):
        return
    args = context.args or []
    codes = {d.code: d.name for d in ctx.settings(context).departments}
    names = {name: code for code, name in codes.items()}
    if len(args) < 2 or not args[0].lstrip("#").isdigit():
        listing = "、".join(f"{name}（{code}）" for code, name in codes.items())
        await msg.reply_html(f"用法：/escalate 编号 部门，例如 /escalate 12 城管\n"
                             f"可选部门：{escape(listing)}")
        return
    code = names.get(args[1], args[1])
    svc = ctx.service(context)
    try:
        result = await svc.escalate(msg.chat.id, int(args[0].lstrip("#")),
                                    ctx.person(msg.from_user), code,
                                    note=" ".join(args[2:]) or None)
    except IssueError as err:
        await msg.reply_html(ctx.error_text(err))
        return
    await announce(context.bot, svc, result)
    await relay_to_department(context, result.issue)


def register_department_handlers(application: Application) -> None:  # type: ignore[type-arg]
    """Register /escalate, /dept, /claim (报到) and /done."""
    application.add_handler(CommandHandler("escalate", escalate_cmd))
    application.add_handler(CommandHandler("dept", dept_cmd))
    application.add_handler(CommandHandler("claim", claim_cmd))
    application.add_handler(CommandHandler("done", done_cmd))
