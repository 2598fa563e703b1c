"""Sending notices: every pending post, paced under Telegram's flood limits (by PTB's
AIORateLimiter, which spaces the bot's requests evenly; bot.app).

Each post is claimed in the database before it is sent (a `Delivery` key per post), so the
background task started by /notice, the scheduled tick that picks up what a restart left, and
a second worker never send one twice. A group the bot can no longer post to (removed,
blocked, gone) is recorded as failed and not retried; a network error or a 429 releases the
claim for the next pass.
"""

from __future__ import annotations

import asyncio
import logging
import weakref

from telegram import Bot
from telegram.error import BadRequest, ChatMigrated, Forbidden, TelegramError

from bot.present.send import send_html
from bot.present.templates import render
from issues.notices import PendingPost
from issues.privacy import mask
from issues.service import IssueService

log = logging.getLogger(__name__)
# One sending pass at a time per service (and so per event loop).
_running: weakref.WeakKeyDictionary[IssueService, asyncio.Lock] = weakref.WeakKeyDictionary()


def _html(post: PendingPost) -> str:
    if post.seq:
        return render("notice_followup", unit=post.unit_name, number=post.number, seq=post.seq,
                      text=mask(post.text))
    return render("notice_post", unit=post.unit_name, number=post.number, text=mask(post.text))


async def _send(bot: Bot, svc: IssueService, post: PendingPost) -> None:
    key = f"notice:{post.id}"
    if not await svc.claim_delivery(key, post.chat_id):
        return
    try:
        sent = await send_html(bot, post.chat_id, _html(post), reply_to=post.reply_to)
        members = max(0, await bot.get_chat_member_count(post.chat_id) - 1)  # not the bot
    except (Forbidden, BadRequest, ChatMigrated) as exc:
        log.info("notice post %s to %s failed: %s", post.id, post.chat_id, exc)
        await svc.notices.record(post.id, error=str(exc) or type(exc).__name__)
        await svc.mark_delivered(key, None)
        return
    except TelegramError:
        log.warning("notice post %s to %s: will retry", post.id, post.chat_id, exc_info=True)
        await svc.release_delivery(key)
        return
    await svc.notices.record(post.id, message_id=sent.message_id, members=members)
    await svc.mark_delivered(key, sent.message_id)


async def deliver_notices(bot: Bot, svc: IssueService, *, wait: bool = True) -> None:
    """Send every pending post, one pass at a time in this process (the tick does not wait
    for a pass under way: it would hold up the reminders). A post that stays pending (claimed
    by another worker, or failing for now) is left to a later pass."""
    lock = _running.setdefault(svc, asyncio.Lock())
    if lock.locked() and not wait:
        return
    async with lock:
        after = 0
        while posts := await svc.notices.pending(after=after):
            for post in posts:
                await _send(bot, svc, post)
            after = posts[-1].id


async def deliver_and_report(bot: Bot, svc: IssueService, notice_id: int, seq: int,
                             chat_id: int, reply_to: int) -> None:
    """Send, then tell the unit's group how far the notice (or follow-up `seq`) reached."""
    await deliver_notices(bot, svc)
    notice = await svc.notices.get(notice_id)
    tally = next(t for t in notice.tallies if t.seq == seq)
    if tally.pending:
        return  # another worker is still sending; the dashboard shows the outcome
    await send_html(bot, chat_id, render("notice_delivered", number=notice.number, t=tally),
                    reply_to=reply_to)
