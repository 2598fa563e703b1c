"""Starting and stopping the bot inside an event loop the caller owns: polling through PTB's
Updater, or the webhook (bot.serve.runner). Either way updates go through the durable queue
(bot.serve.queue) and the per-chat processor (bot.serve.processor).

`suqiu run` (through bot.serve.runner), `suqiu sandbox` and the tests use start_polling/stop_bot.
"""

from __future__ import annotations

from datetime import timedelta

from telegram import Update

from bot.context import BotApp
from bot.serve.inbox import Inbox
from bot.serve.queue import DurableQueue
from bot.settings import bot_settings
from issues.settings import Settings


async def boot(application: BotApp) -> None:
    """initialize + post_init + start: what run_polling does before it polls (PTB calls
    post_init only from its own run_* helpers, and we run inside our own event loop)."""
    await application.initialize()
    if application.post_init is not None:
        await application.post_init(application)
    await application.start()


async def open_inbox(application: BotApp, lease: timedelta | None = None) -> DurableQueue:
    """Put the inbox behind the update queue (post_init has opened the database) and hand
    PTB the stored updates nobody holds: a dead worker's, or with no lease (a single poller,
    the only reader there is) every one a previous run stored and did not handle."""
    queue = application.update_queue
    if not isinstance(queue, DurableQueue):
        raise TypeError("build_application gives the Application a DurableQueue")
    svc = application.bot_data.require_service()
    queue.attach(Inbox(svc.uow, svc.clock), bot_settings(svc.settings).inbox_lease)
    await queue.recover(application.bot, lease)
    return queue


async def start_polling(application: BotApp, settings: Settings) -> None:
    """Boot and poll with PTB's Updater; returns once polling runs (inside the caller's
    loop). The Updater confirms a batch by asking for the next one, and that request waits
    until the batch is stored (bot.serve.queue.StoredFirst), so a crash loses none."""
    await boot(application)
    await open_inbox(application, timedelta(0))
    assert application.updater is not None
    await application.updater.start_polling(
        timeout=timedelta(seconds=bot_settings(settings).poll_timeout),
        allowed_updates=Update.ALL_TYPES, drop_pending_updates=False)


async def stop_bot(application: BotApp) -> None:
    """Graceful stop: confirm what was fetched, handle what is in hand, shut down (what is
    left unhandled stays in the inbox for the next start)."""
    if application.updater is not None and application.updater.running:
        await application.updater.stop()
    if application.running:
        await application.stop()
    if application.post_stop is not None:
        await application.post_stop(application)
    await application.shutdown()
    if application.post_shutdown is not None:
        await application.post_shutdown(application)
