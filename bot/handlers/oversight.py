"""/supervise (督办) and /joint (攻坚), and a department's part of a joint case.

`/supervise 幸福社区3栋群-5 [说明]` in a unit's own group (or as a reply to the issue's card or
relay) marks the issue: its group is told, the card says so, and it is reminded more often
(bot.jobs.practices). `/joint N 部门 部门…` in the issue's group relays it to each
department's group; there `/claim N` and `/done N 说明` report that department's part, and the
last part done resolves the issue.
"""

from __future__ import annotations

from datetime import timedelta

from telegram import Bot, Update
from telegram.error import TelegramError

from bot import context as ctx
from bot.context import Context
from bot.handlers.rights import numbered, with_fresh_admins
from bot.present.announce import announce
from bot.present.cards import holder, local_time
from bot.present.send import post_issue_update, refresh_card, send_html
from bot.present.templates import render, safe
from issues.lifecycle import Action
from issues.privacy import mask
from issues.service import IssueService
from issues.views import GroupView, IssueView


def span(duration: timedelta) -> str:
    """A period as people say it: 2 小时, 30 分钟, 5 秒."""
    seconds = duration.total_seconds()
    for unit, size in (("天", 86400), ("小时", 3600), ("分钟", 60)):
        if seconds >= size:
            return f"{seconds / size:g} {unit}"
    return f"{seconds:g} 秒"


async def supervise_cmd(update: Update, context: Context) -> None:
    msg = await ctx.group_message(update)  # in a private chat: told it is a group's
    if msg is None or msg.from_user is None:
        return
    svc = ctx.service(context)
    args = context.args or []
    reply = msg.reply_to_message
    issue = await svc.oversight.issue_by_message(msg.chat.id, reply.message_id) \
        if reply is not None else None
    await ctx.ensure_group(context, msg.chat)
    if issue is None:
        if not args:
            await msg.reply_html(render("supervise_usage"))
            return
        # Rights first: a member is refused whether or not the reference names an issue.
        asker = msg.from_user.id
        await with_fresh_admins(context, msg.chat.id,
                                lambda: svc.oversight.require_some_supervisor(asker))
        issue = await svc.oversight.find_reference(args[0])
        args = args[1:]
    target, note, actor = issue.id, " ".join(args) or None, ctx.person(msg.from_user)
    done = await with_fresh_admins(context, msg.chat.id, lambda: svc.oversight.supervise(
        msg.chat.id, actor, target, note))
    issue = done.issue
    await msg.reply_html(render("supervise_done", ref=issue.reference, i=issue,
                                unit=done.unit, already=done.already))
    if done.already:
        return
    group = await svc.get_group(issue.chat_id)
    await post_issue_update(context.bot, issue, render(
        "supervise_posted", i=issue, unit=done.unit, holder=safe(holder(issue, group)),
        every=span(svc.settings.practices.supervise_every), note=mask(note or "")))
    await refresh_card(context.bot, issue, group, svc.settings)


async def joint_cmd(update: Update, context: Context) -> None:
    msg = await ctx.group_message(update)  # in a private chat: told it is a group's
    if msg is None or msg.from_user is None:
        return
    n, args = numbered(context.args or [])
    codes = ctx.settings(context).department_names()
    by_name = {name: code for code, name in codes.items()}
    if len(args) < 2 or n is None:
        await msg.reply_html(render("joint_usage", listing="、".join(codes.values())))
        return
    svc = ctx.service(context)
    await ctx.ensure_group(context, msg.chat)
    actor = ctx.person(msg.from_user)
    user_id = msg.from_user.id
    await with_fresh_admins(context, msg.chat.id, lambda: svc.require(
        msg.chat.id, n, user_id, Action.JOINT))  # who asks, before the departments
    codes_asked = [by_name.get(a, a) for a in args]
    asked = list(dict.fromkeys(codes_asked))
    if len(asked) >= 2 and all(c in codes for c in asked):  # the service words the rest
        # A part sent to a department with no group reaches nobody, and the case could
        # never be resolved: say so and change nothing, as 吹哨 does.
        missing = [codes[c] for c in asked if await svc.department_chat(c) is None]
        if missing:
            await msg.reply_html(render("joint_no_group", missing=missing, number=n))
            return
    result = await with_fresh_admins(context, msg.chat.id, lambda: svc.oversight.joint(
        msg.chat.id, n, actor, codes_asked))
    await announce(context.bot, svc, result)  # the card shows the parts
    unrelayed = [part.department_name for part in result.issue.joint
                 if not await relay_part(context.bot, svc, result.issue, part.department_code)]
    await msg.reply_html(render("joint_started", i=result.issue, unrelayed=unrelayed))


async def relay_part(bot: Bot, svc: IssueService, issue: IssueView, code: str) -> bool:
    """Post a joint case into one department's group, once (the delivery key); False when
    the department has no group yet (the card shows its part as pending all the same)."""
    chat_id = await svc.department_chat(code)
    if chat_id is None:
        return False
    key = f"joint:{issue.id}:{code}:{chat_id}"
    if not await svc.claim_delivery(key, chat_id):
        return True
    others = [p.department_name for p in issue.joint if p.department_code != code]
    html = render("joint_relay", i=issue, text=mask(issue.text[:300]), others=others,
                  due=local_time(issue.resolve_due_at, svc.settings.timezone))
    try:
        sent = await send_html(bot, chat_id, html)
    except TelegramError:
        await svc.release_delivery(key)
        raise
    await svc.mark_delivered(key, sent.message_id)
    return True


async def report_joint_part(update: Update, context: Context, what: str, issue_id: int,
                            group: GroupView | None) -> bool:
    """/claim or /done in a department's group for its part of a joint case; False when the
    issue is no joint case of this department (the ordinary 报到/办结 applies)."""
    msg = update.effective_message
    if msg is None or msg.from_user is None or group is None or not group.department_code:
        return False
    svc = ctx.service(context)
    issue = await svc.get_issue_by_id(issue_id)
    if group.department_code not in {p.department_code for p in issue.joint}:
        return False
    _, words = numbered(context.args or [])
    actor = ctx.person(msg.from_user)
    report = await svc.oversight.report_part(issue_id, group.department_code, actor,
                                             " ".join(words) or None, done=what == "done")
    await msg.reply_html(render("joint_part_reply", r=report, id=issue_id))
    issue = report.issue
    if report.done and not report.remaining:  # the last part: the case is resolved
        note = render("joint_resolution", parts=[p for p in issue.joint if p.note])
        await announce(context.bot, svc,
                       await svc.resolve(issue.chat_id, issue.number, actor, note or None))
        return True
    # A part done is on the card; the residents hear when the whole case is resolved.
    await refresh_card(context.bot, issue, await svc.get_group(issue.chat_id), svc.settings)
    return True
