"""吹哨报到: an escalated issue goes to its department's group, where members /claim it and
report progress; every step is relayed to the resident's group."""

from __future__ import annotations

import logging

from telegram import Update

from bot import context as ctx
from bot.context import Context
from bot.present.announce import announce, relay_to_department
from bot.present.templates import name, render
from issues.privacy import mask
from issues.views import LEVELS, IssueFilter

log = logging.getLogger(__name__)


async def dept_cmd(update: Update, context: Context) -> None:
    msg = update.effective_message
    if msg is None or msg.from_user is None or not ctx.is_group(update.effective_chat):
        return
    args = context.args or []
    codes = ctx.settings(context).department_names()
    code = department_code(context, args[1]) if len(args) == 2 else None
    if args[:1] in (["add"], ["登记"]) and code is not None:
        await ctx.service(context).register_department_group(
            msg.chat.id, code, ctx.person(msg.from_user), msg.chat.title or "")
        await msg.reply_html(render("dept_registered", name=codes[code]))
        return
    await msg.reply_html(render("dept_usage", listing="、".join(codes.values())))


def department_code(context: Context, word: str) -> str | None:
    """A department by its name (物业) or, as before, its code (wuye)."""
    for d in ctx.settings(context).departments:
        if word in (d.name, d.code):
            return d.code
    return None


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
    code = department_code(context, args[1]) if len(args) >= 2 else None
    if code is None or not args[0].lstrip("#").isdigit():
        await msg.reply_html(render("escalate_usage", listing="、".join(codes.values())))
        return
    svc = ctx.service(context)
    number = int(args[0].lstrip("#"))
    if await svc.department_chat(code) is None:
        # 吹哨 to a department with no group reaches nobody: say so, change nothing.
        await msg.reply_html(render("dept_no_group", name=codes[code], number=number))
        return
    result = await svc.escalate(msg.chat.id, number, ctx.person(msg.from_user), code,
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
    """/unit 加入 名称 [层级] [上级]: this group belongs to an org unit;
    /unit 工作群 名称 [层级]: this is the unit's own group (its digest comes here).
    The English forms (join, home) stay as aliases."""
    msg = update.effective_message
    if msg is None or msg.from_user is None or not ctx.is_group(update.effective_chat):
        return
    args = context.args or []
    levels = {"网格": "grid", "社区": "community", "街道": "street", "区": "district"}
    verb = {"join": "join", "加入": "join", "home": "home", "工作群": "home"}.get(
        args[0] if args else "")
    if len(args) < 2 or verb is None:
        await msg.reply_html(render("unit_usage"))
        return
    level = levels.get(args[2], args[2]) if len(args) > 2 else "community"
    svc = ctx.service(context)
    await ctx.ensure_group(context, msg.chat)
    if level not in LEVELS:
        await msg.reply_html(render("unit_usage"))
        return
    if verb == "join":
        await svc.join_org_unit(msg.chat.id, msg.from_user.id, args[1], level,
                                args[3] if len(args) > 3 else None)
        await msg.reply_html(render("unit_joined", name=args[1], level=name("level", level)))
    else:
        await svc.set_unit_home(msg.chat.id, msg.from_user.id, args[1], level)
        await msg.reply_html(render("unit_home", name=args[1], level=name("level", level)))
