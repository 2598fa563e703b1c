"""吹哨报到: an escalated issue goes to its department's group, where members /claim it and
report progress; every step is relayed to the resident's group."""

from __future__ import annotations

import logging

from telegram import Update

from bot import context as ctx
from bot.context import Context
from bot.present.announce import announce, relay_to_department
from bot.present.templates import render
from issues.privacy import mask
from issues.views import IssueFilter

log = logging.getLogger(__name__)


async def dept_cmd(update: Update, context: Context) -> None:
    msg = update.effective_message
    if msg is None or msg.from_user is None or not ctx.is_group(update.effective_chat):
        return
    args = context.args or []
    codes = ctx.settings(context).department_names()
    if len(args) == 2 and args[0] == "add":
        await ctx.service(context).register_department_group(
            msg.chat.id, args[1], ctx.person(msg.from_user), msg.chat.title or "")
        await msg.reply_html(render("dept_registered", name=codes[args[1]]))
        return
    listing = "、".join(f"{name}（{code}）" for code, name in codes.items())
    await msg.reply_html(render("dept_usage", listing=listing))


async def claim_cmd(update: Update, context: Context) -> None:
    await _dept_action(update, context, "claim")


async def done_cmd(update: Update, context: Context) -> None:
    await _dept_action(update, context, "done")


async def _dept_action(update: Update, context: Context, what: str) -> None:
    msg = update.effective_message
    if msg is None or msg.from_user is None:
        return
    args = context.args or []
    if not args or not args[0].lstrip("#").isdigit():
        await msg.reply_html(render("dept_action_usage", cmd=what))
        return
    svc = ctx.service(context)
    group = await svc.get_group(msg.chat.id)
    actor = ctx.person(msg.from_user)
    if group is not None and group.department_code:
        await svc.add_department_member(group.department_code, actor)
    issue_id = int(args[0].lstrip("#"))
    if what == "claim":
        result = await svc.claim(issue_id, actor)
    else:
        issue = await svc.get_issue_by_id(issue_id)
        result = await svc.resolve(issue.chat_id, issue.number, actor,
                                   " ".join(args[1:]) or None)
    await msg.reply_html(render("dept_action_done", cmd=what, id=result.issue.id))
    await announce(context.bot, svc, result)


async def escalate_cmd(update: Update, context: Context) -> None:
    """/escalate N 部门代码: 吹哨 from the resident's group to a department."""
    msg = update.effective_message
    if msg is None or msg.from_user is None or not ctx.is_group(update.effective_chat):
        return
    args = context.args or []
    codes = ctx.settings(context).department_names()
    names = {name: code for code, name in codes.items()}
    if len(args) < 2 or not args[0].lstrip("#").isdigit():
        listing = "、".join(f"{name}（{code}）" for code, name in codes.items())
        await msg.reply_html(render("escalate_usage", listing=listing))
        return
    code = names.get(args[1], args[1])
    svc = ctx.service(context)
    result = await svc.escalate(msg.chat.id, int(args[0].lstrip("#")),
                                ctx.person(msg.from_user), code,
                                note=" ".join(args[2:]) or None)
    await announce(context.bot, svc, result)
    await relay_to_department(context.bot, svc, result.issue)


async def overdue_cmd(update: Update, context: Context) -> None:
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
            lines.append(render("overdue_item", icon=icon, i=i, summary=mask(i.summary)))
    title = render("overdue_header", title=group.title if group else "")
    await msg.reply_html("\n".join([title, *lines]) if lines else render("overdue_none"))


async def unit_cmd(update: Update, context: Context) -> None:
    """/unit join 名称 [层级] [上级]: this group belongs to an org unit;
    /unit home 名称 [层级]: this is the unit's own group (its digest comes here)."""
    msg = update.effective_message
    if msg is None or msg.from_user is None or not ctx.is_group(update.effective_chat):
        return
    args = context.args or []
    levels = {"网格": "grid", "社区": "community", "街道": "street", "区": "district"}
    if len(args) < 2 or args[0] not in ("join", "home"):
        await msg.reply_html(render("unit_usage"))
        return
    level = levels.get(args[2], args[2]) if len(args) > 2 else "community"
    svc = ctx.service(context)
    await ctx.ensure_group(context, msg.chat)
    if args[0] == "join":
        await svc.join_org_unit(msg.chat.id, msg.from_user.id, args[1], level,
                                args[3] if len(args) > 3 else None)
        await msg.reply_html(render("unit_joined", name=args[1]))
    else:
        await svc.set_unit_home(msg.chat.id, msg.from_user.id, args[1], level)
        await msg.reply_html(render("unit_home", name=args[1]))
