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
from issues.views import IssueFilter, IssueView

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


async def overdue_cmd(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/overdue: in a department's group, its own late issues (red first)."""
    msg = update.effective_message
    if msg is None or not ctx.is_group(update.effective_chat):
        return
    svc = ctx.service(context)
    group = await svc.get_group(msg.chat.id)
    code = group.department_code if group else None
    lines = []
    for light, icon in (("red", "🔴"), ("yellow", "🟡")):
        page = await svc.list_issues(IssueFilter(light=light, department_code=code),
                                     page=1, page_size=30)
        for i in page.items:
            if code is None and i.chat_id != msg.chat.id:
                continue
            lines.append(f"{icon} 第 {i.id} 号 · {escape(i.group_title)} #{i.number} "
                         f"{escape(i.category_name)} · {escape(mask_private(i.summary))}")
    title = f"<b>{escape(group.title if group else '')} 超时/临期诉求</b>"
    await msg.reply_html("\n".join([title, *lines]) if lines else "没有超时或临期的诉求 👍")


async def unit_cmd(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/unit join 名称 [层级] [上级]: this group belongs to an org unit;
    /unit home 名称 [层级]: this is the unit's own group (its digest comes here)."""
    msg = update.effective_message
    if msg is None or msg.from_user is None or not ctx.is_group(update.effective_chat):
        return
    args = context.args or []
    levels = {"网格": "grid", "社区": "community", "街道": "street", "区": "district"}
    if len(args) < 2 or args[0] not in ("join", "home"):
        await msg.reply_html("用法：/unit join 单位名称 [网格|社区|街道|区] [上级单位]\n"
                             "　　　/unit home 单位名称 [层级]（在单位自己的群里发送）")
        return
    level = levels.get(args[2], args[2]) if len(args) > 2 else "community"
    svc = ctx.service(context)
    try:
        await ctx.ensure_group(context, msg.chat)
        if args[0] == "join":
            await svc.join_org_unit(msg.chat.id, msg.from_user.id, args[1], level,
                                    args[3] if len(args) > 3 else None)
            await msg.reply_html(f"✅ 本群已归属「{escape(args[1])}」。")
        else:
            await svc.set_unit_home(msg.chat.id, msg.from_user.id, args[1], level)
            await msg.reply_html(f"✅ 本群是「{escape(args[1])}」的工作群，汇总日报会发到这里。")
    except IssueError as err:
        await msg.reply_html(ctx.error_text(err))


def register_department_handlers(application: Application) -> None:  # type: ignore[type-arg]
    """Register /escalate, /dept, /claim (报到), /done, /overdue and /unit."""
    application.add_handler(CommandHandler("overdue", overdue_cmd))
    application.add_handler(CommandHandler("unit", unit_cmd))
    application.add_handler(CommandHandler("escalate", escalate_cmd))
    application.add_handler(CommandHandler("dept", dept_cmd))
    application.add_handler(CommandHandler("claim", claim_cmd))
    application.add_handler(CommandHandler("done", done_cmd))
