"""吹哨报到: an escalated issue goes to its department's group, where members /claim it and
report progress; every step is relayed to the resident's group."""

from __future__ import annotations

import logging

from telegram import Update

from bot import context as ctx
from bot.context import Context
from bot.handlers.oversight import report_joint_part
from bot.handlers.rights import numbered, with_fresh_admins
from bot.present.announce import announce, relay_to_department
from bot.present.templates import name, render
from issues.access import looks_like_code
from issues.lifecycle import Action
from issues.privacy import mask
from issues.views import LEVELS, IssueFilter

log = logging.getLogger(__name__)


def _grant_in(args: list[str], first: int) -> tuple[list[str], str | None]:
    """The arguments, and a one-time code from the dashboard if the last one looks like it."""
    if len(args) > first and looks_like_code(args[-1]):
        return args[:-1], args[-1]
    return args, None


async def dept_cmd(update: Update, context: Context) -> None:
    """/dept add 部门 [授权码]: a district admin makes this group the department's."""
    msg = await ctx.group_message(update)  # in a private chat: told it is a group's
    if msg is None or msg.from_user is None:
        return
    args, grant = _grant_in(context.args or [], 2)
    codes = ctx.settings(context).department_names()
    code = department_code(context, args[1]) if len(args) == 2 else None
    if args[:1] in (["add"], ["登记"]) and code is not None:
        bound = await ctx.service(context).register_department_group(
            msg.chat.id, code, ctx.person(msg.from_user), msg.chat.title or "", code=grant)
        await msg.reply_html(render("dept_registered", name=codes[code]))
        if bound.previous_chat is not None:
            await context.bot.send_message(bound.previous_chat, render(
                "dept_replaced", name=codes[code], title=bound.group.title))
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
    """/claim N, /done N 说明: only in a department's group, for the issues sent to it."""
    msg = update.effective_message
    if msg is None or msg.from_user is None:
        return
    issue_id, args = numbered(context.args or [])
    if issue_id is None:
        await msg.reply_html(render("dept_action_usage", cmd=what))
        return
    svc = ctx.service(context)
    group = await svc.get_group(msg.chat.id)
    if group is None or not group.department_code:
        await msg.reply_html(render("dept_only", cmd=what))
        return
    actor = ctx.person(msg.from_user)
    await svc.add_department_member(group.department_code, actor)
    if await report_joint_part(update, context, what, issue_id, group):
        return  # a joint case (攻坚): this department's part of it
    if what == "claim":
        result = await svc.claim(issue_id, actor)
    else:
        issue = await svc.get_issue_by_id(issue_id)
        result = await svc.resolve(issue.chat_id, issue.number, actor,
                                   " ".join(args) or None)
    await msg.reply_html(render("dept_action_done", cmd=what, id=result.issue.id))
    await announce(context.bot, svc, result)


async def escalate_cmd(update: Update, context: Context) -> None:
    """/escalate N 部门代码: 吹哨 from the resident's group to a department."""
    msg = await ctx.group_message(update)  # in a private chat: told it is a group's
    if msg is None or msg.from_user is None:
        return
    n, args = numbered(context.args or [])
    codes = ctx.settings(context).department_names()
    code = department_code(context, args[0]) if args else None
    if code is None or n is None:
        await msg.reply_html(render("escalate_usage", listing="、".join(codes.values())))
        return
    svc = ctx.service(context)
    actor = ctx.person(msg.from_user)
    user_id = msg.from_user.id
    await with_fresh_admins(context, msg.chat.id, lambda: svc.require(
        msg.chat.id, n, user_id, Action.ESCALATE))  # who asks, before the department
    if await svc.department_chat(code) is None:
        # 吹哨 to a department with no group reaches nobody: say so, change nothing.
        await msg.reply_html(render("dept_no_group", name=codes[code], number=n))
        return
    result = await with_fresh_admins(context, msg.chat.id, lambda: svc.escalate(
        msg.chat.id, n, actor, code, note=" ".join(args[1:]) or None))
    await announce(context.bot, svc, result)
    await relay_to_department(context.bot, svc, result.issue)


async def overdue_cmd(update: Update, context: Context) -> None:
    """/overdue: the late issues (red first) of this group, or in a department's group, of
    the department; the database picks them (a district's late issues are thousands)."""
    msg = await ctx.group_message(update)  # in a private chat: told it is a group's
    if msg is None:
        return
    svc = ctx.service(context)
    group = await svc.get_group(msg.chat.id)
    code = group.department_code if group else None
    lines = []
    for light, icon in (("red", "🔴"), ("yellow", "🟡")):
        f = (IssueFilter(light=light, department_code=code) if code
             else IssueFilter(light=light, chat_id=msg.chat.id))
        page = await svc.list_issues(f, page=1, page_size=30)
        lines += [render("overdue_item", icon=icon, i=i, summary=mask(i.summary))
                  for i in page.items]
    title = render("overdue_header", title=group.title if group else "")
    await msg.reply_html("\n".join([title, *lines]) if lines else render("overdue_none"))


async def unit_cmd(update: Update, context: Context) -> None:
    """/unit 加入 名称 [层级] [上级] [授权码]: this group belongs to an org unit (creating a
    unit or changing its parent is the district's); /unit 工作群 名称 [层级] [授权码]: this is
    the unit's own group, where its digest comes (the district's act). The English forms
    (join, home) stay as aliases."""
    msg = await ctx.group_message(update)  # in a private chat: told it is a group's
    if msg is None or msg.from_user is None:
        return
    args, grant = _grant_in(context.args or [], 2)
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
    actor_id, unit = msg.from_user.id, args[1]
    if verb == "join":
        parent = args[3] if len(args) > 3 else None
        await with_fresh_admins(context, msg.chat.id, lambda: svc.join_org_unit(
            msg.chat.id, actor_id, unit, level, parent, code=grant))
        await msg.reply_html(render("unit_joined", name=unit, level=name("level", level)))
        return
    bound = await svc.set_unit_home(msg.chat.id, actor_id, unit, level, code=grant)
    await msg.reply_html(render("unit_home", name=unit, level=name("level", level)))
    if bound.previous_chat is not None:
        await context.bot.send_message(bound.previous_chat, render(
            "unit_home_replaced", name=unit, title=bound.group.title))
