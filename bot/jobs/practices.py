"""The scheduled part of the practices beyond intake, run on every tick after the reminders
and digests: notices left unsent (a restart, a failure), the closer reminders of supervised
issues (督办), votes past their closing time,
the follow-up (回访) of resolutions nobody rated, and the cards of 12345 orders imported beside
the bot (`suqiu import hotline`). Each post has its delivery key, so none
is sent twice."""

from __future__ import annotations

import logging
from datetime import timedelta
from functools import partial
from zoneinfo import ZoneInfo

from telegram import Bot
from telegram.error import TelegramError

from bot.jobs.notices import deliver_notices
from bot.jobs.scheduler import _send_once, in_quiet_hours
from bot.jobs.votes import close_due_votes
from bot.present.announce import post_card
from bot.present.cards import holder, local_time, mention, rating_keyboard
from bot.present.send import post_issue_update, refresh_card
from bot.present.templates import render, safe
from issues.followups import followup_key
from issues.privacy import mask
from issues.service import IssueService

log = logging.getLogger(__name__)
CARD_WINDOW = timedelta(days=30)  # older orders without a card are the dashboard's to show


async def practices_tick(bot: Bot, svc: IssueService | None) -> None:
    if svc is None:
        return  # post_init has not run yet
    await deliver_notices(bot, svc, wait=False)
    await remind_supervised(bot, svc)
    await close_due_votes(bot, svc)
    await follow_up(bot, svc)
    await post_waiting_cards(bot, svc)


async def post_waiting_cards(bot: Bot, svc: IssueService) -> None:
    """The cards of issues another channel opened in the last `CARD_WINDOW` that no process
    posted yet (each once: `post_card` claims its delivery)."""
    for issue in await svc.hotline.waiting_cards(svc.clock() - CARD_WINDOW):
        try:
            await post_card(bot, svc, issue)
        except TelegramError:
            log.warning("card of issue %s not posted; will retry", issue.id, exc_info=True)


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


async def follow_up(bot: Bot, svc: IssueService) -> None:
    """回访: ask the reporter of an unrated resolution once (with the rating buttons); a
    reporter the group cannot reach (a hotline caller) is not asked, and a resolution
    found too late to ask is recorded as unrated at once. Then record as unrated what was
    asked and is still unrated after the wait, and show it on the card."""
    now = svc.clock()
    for issue, ask in await svc.followups.due(now):
        assert issue.resolved_at is not None
        group = await svc.get_group(issue.chat_id, max_age=5)
        if ask and group is not None and in_quiet_hours(group, now):
            continue  # asked in the morning
        if not await svc.followups.asked(issue.id, issue.resolved_at, unrated=not ask):
            continue  # another worker took it
        if not ask or issue.reporter.user_id is None or group is None:
            continue
        at = issue.resolved_at.astimezone(ZoneInfo(group.timezone))
        html = render("followup_ask", i=issue, summary=mask(issue.summary),
                      reporter=safe(mention(issue.reporter)), at=f"{at.month}月{at.day}日")
        await _send_once(svc, followup_key(issue.id, issue.resolved_at),
                         issue.chat_id, partial(post_issue_update, bot, issue, html,
                                                markup=rating_keyboard(issue)))
    for issue_id in await svc.followups.expire(now):
        issue = await svc.get_issue_by_id(issue_id)
        await refresh_card(bot, issue, await svc.get_group(issue.chat_id), svc.settings)
