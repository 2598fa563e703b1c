"""One pass over what is due: reminders, escalations, progress posts, digests."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, time
from functools import partial
from pathlib import Path
from zoneinfo import ZoneInfo

from telegram import Bot, Message
from telegram.error import TelegramError

from bot.present.announce import announce, relay_to_unit
from bot.present.cards import holder, local_time
from bot.present.posts import digest_html, progress_html, weekly_html
from bot.present.send import post_issue_update
from bot.present.templates import render, safe
from issues.privacy import mask
from issues.service import IssueService
from issues.settings import parse_clock, parse_quiet_hours
from issues.views import GroupView, IssueFilter
from nlp import RuleError, reload_rules
from nlp.rules import rules_dir

log = logging.getLogger(__name__)
RATE = 28.0  # posts a second in a fan-out: just under Telegram's 30 messages a second


class Pacer:
    """Spaces sends by deadline, so the time spent building a post counts toward the gap."""

    def __init__(self, rate: float = RATE) -> None:
        self.gap = 1 / rate
        self.next_at = 0.0

    async def wait(self) -> None:
        loop = asyncio.get_running_loop()
        now = loop.time()
        if self.next_at > now:
            await asyncio.sleep(self.next_at - now)
        self.next_at = max(now, self.next_at) + self.gap


_pacer = Pacer()


def in_quiet_hours(group: GroupView, now: datetime) -> bool:
    q = parse_quiet_hours(group.settings.get("quiet_hours"))
    if q is None:
        return False
    t = now.astimezone(ZoneInfo(group.timezone)).time()
    start, end = q
    return start <= t < end if start < end else (t >= start or t < end)


async def _send_once(svc: IssueService, key: str, chat_id: int,
                     send: Callable[[], Awaitable[Message]]) -> bool:
    """Claim the key, send, record; release on failure so the next tick retries."""
    if not await svc.claim_delivery(key, chat_id):
        return False
    await _pacer.wait()
    try:
        msg = await send()
    except TelegramError:
        log.warning("sending %s failed; will retry", key, exc_info=True)
        await svc.release_delivery(key)
        return False
    await svc.mark_delivered(key, msg.message_id)
    return True


_rules_seen: list[float] = []


def reload_rules_if_changed(directory: Path | None = None) -> None:
    """An operator edited the rules (the shipped ones, or settings paths.rules): load the new
    rules; a file with a mistake is logged (file, line, problem) and the rules in force stay
    in force."""
    directory = directory or rules_dir()
    newest = max((p.stat().st_mtime for p in directory.iterdir()), default=0.0)
    if not _rules_seen:
        _rules_seen.append(newest)
        return
    if newest <= _rules_seen[0]:
        return
    _rules_seen[0] = newest
    try:
        reload_rules(directory)
        log.info("detector rules reloaded")
    except RuleError as exc:
        log.error("detector rules not reloaded: %s", exc)


async def tick(bot: Bot, svc: IssueService | None) -> None:
    if svc is None:
        return  # post_init has not run yet
    reload_rules_if_changed(svc.settings.rules_dir)
    groups = {g.chat_id: g for g in await svc.list_groups()}
    await remind(bot, svc, groups)
    await escalate(bot, svc, groups)
    await scheduled_posts(bot, svc, groups)


async def remind(bot: Bot, svc: IssueService, groups: dict[int, GroupView]) -> None:
    now = svc.clock()
    for light in ("red", "yellow"):
        page = await svc.list_issues(IssueFilter(light=light), page=1, page_size=500)
        for issue in page.items:
            group = groups.get(issue.chat_id)
            if group is None or group.department_code or in_quiet_hours(group, now):
                continue
            due = issue.due_at
            assert due is not None
            key = f"remind:{issue.id}:{issue.status == 'open'}:{light}:{due.isoformat()}"
            html = render(f"remind_{light}", i=issue, summary=mask(issue.summary),
                          due=local_time(due, group.timezone),
                          holder=safe(holder(issue, group)))

            await _send_once(svc, key, issue.chat_id, partial(post_issue_update, bot, issue, html))


async def escalate(bot: Bot, svc: IssueService, groups: dict[int, GroupView]) -> None:
    """Red issues go one level up. The residents' group sees it on the card (⬆️ 已升级, the
    deadline kept, still red); the unit one level up is told in its own group when it has
    one. Nothing claims an escalation reached anyone it did not reach."""
    for issue in await svc.due_for_escalation():
        key = f"escalate:{issue.id}:{issue.escalation_level + 1}"
        if not await svc.claim_delivery(key, issue.chat_id):
            continue
        try:
            result = await svc.auto_escalate(issue.id)
            await announce(bot, svc, result)
            await relay_to_unit(bot, svc, result.issue)
        except TelegramError:
            await svc.release_delivery(key)
            continue
        await svc.mark_delivered(key, None)


def _due_today(group: GroupView, setting: str, now: datetime) -> str | None:
    """The local date when today's post time has passed, else None."""
    local = now.astimezone(ZoneInfo(group.timezone))
    at: time = parse_clock(group.settings.get(setting) or "20:00")
    return local.date().isoformat() if local.time() >= at else None


async def scheduled_posts(bot: Bot, svc: IssueService,
                          groups: dict[int, GroupView]) -> None:
    now = svc.clock()
    settings = svc.settings
    for unit_id, name, _level, home in await svc.org_units():
        group = groups.get(home) if home is not None else None
        day = _due_today(group, "digest_time", now) if group else None
        if group and day:
            html = await digest_html(svc, group, now, unit=(unit_id, name))
            await _post(bot, svc, f"unitdigest:{unit_id}:{day}", group, html)
    for group in groups.values():
        if group.department_code:
            continue
        day = _due_today(group, "progress_time", now)
        if day:
            html = await progress_html(svc, group, now)
            await _post(bot, svc, f"progress:{group.chat_id}:{day}", group, html)
        day = _due_today(group, "digest_time", now)
        if day:
            html = await digest_html(svc, group, now)
            await _post(bot, svc, f"digest:{group.chat_id}:{day}", group, html)
        local = now.astimezone(ZoneInfo(group.timezone))
        if local.weekday() == settings.weekly_digest_weekday \
                and local.time() >= settings.weekly_digest_time:
            week = f"{local.isocalendar().year}-W{local.isocalendar().week}"
            await _post(bot, svc, f"weekly:{group.chat_id}:{week}", group,
                        await weekly_html(svc, group, now))


async def _post(bot: Bot, svc: IssueService, key: str,
                group: GroupView, html: str | None) -> None:
    if html is None:  # nothing to say → nothing posted, but the period is done
        if await svc.claim_delivery(key, group.chat_id):
            await svc.mark_delivered(key, None)
        return

    await _send_once(svc, key, group.chat_id, partial(bot.send_message, group.chat_id, html))
