"""One pass over what is due: reminders, escalations, progress posts, digests."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, time, timedelta
from functools import partial
from pathlib import Path
from zoneinfo import ZoneInfo

from telegram import Bot, Message
from telegram.error import ChatMigrated, TelegramError

from bot.present.announce import announce, relay_to_unit
from bot.present.cards import holder, local_time
from bot.present.posts import digest_html, progress_html, weekly_html
from bot.present.send import post_issue_update
from bot.present.templates import render, safe
from issues.privacy import mask
from issues.service import IssueService
from issues.settings import parse_clock, parse_quiet_hours
from issues.views import Escalated, EventView, GroupView, Reminder, TransitionResult
from nlp import RuleError, reload_rules
from nlp.rules import rules_dir

log = logging.getLogger(__name__)
SENDING = 20  # posts of one page in flight at once; PTB's AIORateLimiter paces them


def in_quiet_hours(group: GroupView, now: datetime) -> bool:
    return quiet_until(group, now) is not None


def quiet_until(group: GroupView, now: datetime) -> datetime | None:
    """When the group's quiet hours end, if `now` is inside them."""
    q = parse_quiet_hours(group.settings.get("quiet_hours"))
    if q is None:
        return None
    local = now.astimezone(ZoneInfo(group.timezone))
    t = local.time()
    start, end = q
    inside = start <= t < end if start < end else (t >= start or t < end)
    if not inside:
        return None
    until = local.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    return until if until > local else until + timedelta(days=1)


# key, chat, the send itself (its message, or None when what it did was edit or relay)
Send = tuple[str, int, Callable[[], Awaitable[Message | None]]]
FAILED = -1  # stands for a send that raised


async def _send_all(svc: IssueService, sends: list[Send]) -> int:
    """Send claimed posts side by side (the rate limiter keeps Telegram's pace), then record
    them in one statement; a failed one is released for the next tick. Returns how many
    went out."""
    gate = asyncio.Semaphore(SENDING)

    async def one(key: str, chat_id: int, send: Callable[[], Awaitable[Message | None]],
                  ) -> int | None:
        async with gate:
            try:
                msg = await send()
            except TelegramError as exc:
                await _failed(svc, key, chat_id, exc, release=False)
                return FAILED
            return None if msg is None else msg.message_id

    ids = await asyncio.gather(*(one(*s) for s in sends))
    await svc.mark_many_delivered((s[0], mid) for s, mid in zip(sends, ids, strict=True)
                                  if mid != FAILED)
    await svc.release_deliveries([s[0] for s, mid in zip(sends, ids, strict=True)
                                  if mid == FAILED])
    return sum(1 for mid in ids if mid != FAILED)


async def _failed(svc: IssueService, key: str, chat_id: int, exc: TelegramError,
                  release: bool = True) -> None:
    """A send failed: the next tick tries again. A group that became a supergroup is
    followed to its new chat id first, so the next try goes there."""
    if isinstance(exc, ChatMigrated):
        log.info("chat %s is now %s; %s follows it", chat_id, exc.new_chat_id, key)
        await svc.migrate_group(chat_id, exc.new_chat_id)
    else:
        log.warning("sending %s failed; will retry", key, exc_info=exc)
    if release:
        await svc.release_delivery(key)


async def _send_once(svc: IssueService, key: str, chat_id: int,
                     send: Callable[[], Awaitable[Message]]) -> bool:
    """Claim the key, send, record; release on failure so the next tick retries."""
    if not await svc.claim_delivery(key, chat_id):
        return False
    try:
        msg = await send()
    except TelegramError as exc:
        await _failed(svc, key, chat_id, exc)
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
    await retry(bot, svc, groups)  # what failed before; what fails now waits for the next tick
    await remind(bot, svc, groups)
    await escalate(bot, svc, groups)
    await scheduled_posts(bot, svc, groups)


async def remind(bot: Bot, svc: IssueService, groups: dict[int, GroupView]) -> None:
    """Every light that turned since the last scan, claimed a page at a time until none is
    left (the claims are made by the statements that find them)."""
    async for page in svc.reminders_due():
        await _reminders(bot, svc, groups, page)


async def _reminders(bot: Bot, svc: IssueService, groups: dict[int, GroupView],
                     page: list[Reminder]) -> None:
    now = svc.clock()
    sends: list[Send] = []
    settled: list[tuple[str, int | None]] = []
    held: dict[datetime, list[str]] = {}
    for r in page:
        issue = r.issue
        group = groups.get(issue.chat_id) or await svc.get_group(issue.chat_id, max_age=60)
        if group is None or group.department_code or issue.light != r.light:
            settled.append((r.key, None))  # nobody to remind here, or no longer that light
            continue
        until = quiet_until(group, now)
        if until is not None:  # the claim waits until morning, then it is taken back
            held.setdefault(until, []).append(r.key)
            continue
        due = issue.due_at
        assert due is not None
        html = render(f"remind_{r.light}", i=issue, summary=mask(issue.summary),
                      due=local_time(due, group.timezone), holder=safe(holder(issue, group)))
        sends.append((r.key, issue.chat_id, partial(post_issue_update, bot, issue, html)))
    await svc.mark_many_delivered(settled)
    for until, keys in held.items():
        await svc.hold_deliveries(keys, until)
    await _send_all(svc, sends)


async def escalate(bot: Bot, svc: IssueService, groups: dict[int, GroupView]) -> None:
    """Red issues late enough go one level up, a page at a time until none is left. The
    residents' group sees it on the card (⬆️ 已升级, the deadline kept, still red); the unit
    one level up is told in its own group when it has one."""
    async for page in svc.escalations_due():
        await _escalation_notices(bot, svc, page)


async def _escalation_notices(bot: Bot, svc: IssueService, page: list[Escalated]) -> None:
    now = svc.clock()
    sends: list[Send] = []
    for e in page:
        event = e.event or EventView("auto_escalate", now, None, e.issue.status,
                                     e.issue.status, None, {})  # a retry: the card again
        sends.append((e.key, e.issue.chat_id,
                      partial(_escalated, bot, svc, TransitionResult(e.issue, event))))
    await _send_all(svc, sends)


async def _escalated(bot: Bot, svc: IssueService, result: TransitionResult) -> None:
    await announce(bot, svc, result)
    await relay_to_unit(bot, svc, result.issue)


async def retry(bot: Bot, svc: IssueService, groups: dict[int, GroupView]) -> None:
    """Reminders and escalation notices whose send failed, was cut short or was held through
    quiet hours: sent now, as the issue stands now."""
    async for page in svc.delivery_retries():
        await _reminders(bot, svc, groups, [r for r in page if isinstance(r, Reminder)])
        await _escalation_notices(bot, svc, [e for e in page if isinstance(e, Escalated)])


def _due_today(group: GroupView, setting: str, now: datetime) -> str | None:
    """The local date when today's post time has passed, else None."""
    local = now.astimezone(ZoneInfo(group.timezone))
    at: time = parse_clock(group.settings.get(setting) or "20:00")
    return local.date().isoformat() if local.time() >= at else None


async def scheduled_posts(bot: Bot, svc: IssueService,
                          groups: dict[int, GroupView]) -> None:
    """The progress posts and digests whose time has come; those already sent today (or
    being sent) are skipped in one statement before anything is counted or written."""
    now = svc.clock()
    settings = svc.settings
    due: list[tuple[str, GroupView, Callable[[], Awaitable[str | None]]]] = []
    for unit_id, name, _level, home in await svc.org_units():
        group = groups.get(home) if home is not None else None
        day = _due_today(group, "digest_time", now) if group else None
        if group and day:
            due.append((f"unitdigest:{unit_id}:{day}", group,
                        partial(digest_html, svc, group, now, unit=(unit_id, name))))
    for group in groups.values():
        if group.department_code:
            continue
        day = _due_today(group, "progress_time", now)
        if day:
            due.append((f"progress:{group.chat_id}:{day}", group,
                        partial(progress_html, svc, group, now)))
        day = _due_today(group, "digest_time", now)
        if day:
            due.append((f"digest:{group.chat_id}:{day}", group,
                        partial(digest_html, svc, group, now)))
        local = now.astimezone(ZoneInfo(group.timezone))
        if local.weekday() == settings.weekly_digest_weekday \
                and local.time() >= settings.weekly_digest_time:
            week = f"{local.isocalendar().year}-W{local.isocalendar().week}"
            due.append((f"weekly:{group.chat_id}:{week}", group,
                        partial(weekly_html, svc, group, now)))
    done = await svc.settled_deliveries([key for key, _, _ in due])
    gate = asyncio.Semaphore(SENDING)  # posts are counted, written and sent side by side

    async def one(key: str, group: GroupView, html: Callable[[], Awaitable[str | None]],
                  ) -> None:
        async with gate:
            await _post(bot, svc, key, group, await html())

    await asyncio.gather(*(one(key, group, html) for key, group, html in due
                           if key not in done))


async def _post(bot: Bot, svc: IssueService, key: str,
                group: GroupView, html: str | None) -> None:
    if html is None:  # nothing to say → nothing posted, but the period is done
        if await svc.claim_delivery(key, group.chat_id):
            await svc.mark_delivered(key, None)
        return

    await _send_once(svc, key, group.chat_id, partial(bot.send_message, group.chat_id, html))
