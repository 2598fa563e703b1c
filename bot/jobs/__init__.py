"""Scheduled work on PTB's JobQueue: SLA reminders, automatic escalation, progress posts and
digests.

JobQueue keeps no state of its own: one repeating tick looks at the database and decides what
is due. Every post has a unique delivery key (reminder per issue, light and deadline; digest
per group and date) claimed in the database before sending, so a restart, a catch-up after
downtime or a second worker on the same PostgreSQL never posts it twice, and a post that
failed to send is released and retried on the next tick.
"""

from __future__ import annotations

import logging

from bot.context import BotApp, Context
from bot.jobs.practices import practices_tick
from bot.jobs.scheduler import tick

log = logging.getLogger(__name__)


async def _tick(context: Context) -> None:
    await tick(context.bot, context.bot_data.service)
    await practices_tick(context.bot, context.bot_data.service)


def schedule_jobs(application: BotApp) -> None:
    """The repeating tick (when this worker runs jobs at all)."""
    settings = application.bot_data.require_settings()
    if application.job_queue is not None and settings.jobs_enabled:
        application.job_queue.run_repeating(
            _tick, interval=settings.reminder_interval.total_seconds(), first=1.0,
            name="suqiu-tick", job_kwargs={"max_instances": 1, "coalesce": True})
