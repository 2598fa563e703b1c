"""The scheduled part of the practices beyond intake, run on every tick after the reminders
and digests: notices left unsent (a restart, a failure) and the closer reminders of
supervised issues (督办). Each post has its delivery key, so none is sent twice."""

from __future__ import annotations

from functools import partial

from telegram import Bot

from bot.jobs.notices import deliver_notices
from bot.jobs.scheduler import _send_once, in_quiet_hours
from bot.present.cards import holder, local_time
from bot.present.send import post_issue_update
from bot.present.templates import render, safe
from issues.privacy import mask
from issues.service import IssueService


async def practices_tick(bot: Bot, svc: IssueService | None) -> None:
    if svc is None:
        return  # post_init has not run yet
    await deliver_notices(bot, svc, wait=False)
    await remind_supervised(bot, svc)


async def remind_supervised(bot: Bot, svc: IssueService) -> None:
    """A supervised open issue is reminded every `practices.supervise_every` since it was
    marked (one reminder per period: after downtime, one for the period now running)."""
    every = svc.settings.practices.supervise_every
    now = svc.clock()
    for issue, since in await svc.oversight.supervised():
        period = int((now - since) / every)
        if period < 1:
            continue
        group = await svc.get_group(issue.chat_id, max_age=5)
        if group is None or in_quiet_hours(group, now):
            continue
        due = issue.due_at
        html = render("supervise_remind", i=issue, summary=mask(issue.summary),
                      unit=issue.supervised_by, holder=safe(holder(issue, group)),
                      due=local_time(due, group.timezone) if due else "")
        await _send_once(svc, f"supervise:{issue.id}:{period}", issue.chat_id,
                         partial(post_issue_update, bot, issue, html))
