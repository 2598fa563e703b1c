"""The scheduled part of the practices beyond intake: notices left unsent (a restart, a
failure), run on every tick after the reminders and digests."""

from __future__ import annotations

from telegram import Bot

from bot.jobs.notices import deliver_notices
from issues.service import IssueService


async def practices_tick(bot: Bot, svc: IssueService | None) -> None:
    if svc is None:
        return  # post_init has not run yet
    await deliver_notices(bot, svc, wait=False)
