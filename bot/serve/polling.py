"""The polling update path: getUpdates → the inbox table → one ordered worker per chat.

`suqiu run` (through bot.serve.runner), `suqiu sandbox` and the tests use start_polling/stop_bot
to run the bot inside an event loop they already own.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import json
import logging
from datetime import timedelta

from telegram import Update
from telegram.error import NetworkError, RetryAfter, TelegramError, TimedOut

from bot.context import BotApp
from bot.serve.inbox import Inbox
from bot.settings import bot_settings
from issues.service import IssueService
from issues.settings import Settings

log = logging.getLogger(__name__)


async def boot(application: BotApp) -> None:
    """initialize + post_init + start: what run_polling does before it polls (PTB calls
    post_init only from its own run_* helpers, and we run inside our own event loop)."""
    await application.initialize()
    if application.post_init is not None:
        await application.post_init(application)
    await application.start()


def _retry_after(exc: TelegramError) -> float:
    if isinstance(exc, RetryAfter):
        ra = exc.retry_after
        return ra.total_seconds() if isinstance(ra, timedelta) else float(ra)
    return 0.0


FORGET_EVERY = 0.1  # seconds between removals of handled updates from the inbox


class Poller:
    """getUpdates → store → confirm, while the chats' workers handle what was stored.

    PTB's own updater confirms a batch (by asking for the next one) while its updates may still
    sit unhandled in memory, so a crash loses them; waiting to confirm until a batch is handled
    makes every message wait for the slowest chat of the batch before it. Here each batch is
    written to the inbox table first (one short transaction), then confirmed by the next
    getUpdates, and handled by one worker per chat: a chat's messages in order, chats side by
    side, new messages taken while older ones are still being handled. An update leaves the
    inbox once handled; after a crash the rest is handled on the next start, and intake is
    idempotent per message, so nothing is lost and no issue is opened twice.
    """

    def __init__(self, application: BotApp, settings: Settings) -> None:
        self.app = application
        self.svc: IssueService = application.bot_data.require_service()
        self.inbox = Inbox(self.svc.uow, self.svc.clock)
        self.timeout = bot_settings(settings).poll_timeout
        self.offset = 0
        self._task: asyncio.Task[None] | None = None
        self._chats: dict[int, collections.deque[tuple[Update, asyncio.Future[None]]]] = {}
        self._workers: dict[int, asyncio.Task[None]] = {}
        self._handled: list[tuple[int, asyncio.Future[None]]] = []
        self._forgetting: asyncio.Task[None] | None = None
        # The newest update handed to a worker: Telegram sends a batch again when it was not
        # confirmed (the inbox write failed, or the process died between the write and the
        # next getUpdates), and those already handed over must not be handled twice.
        self._dispatched = 0

    async def start(self) -> None:
        """Hand the updates a previous run stored but never handled to the workers first."""
        stored = asyncio.get_running_loop().create_future()
        stored.set_result(None)
        for _, payload in await self.inbox.pending():
            update = Update.de_json(json.loads(payload), self.app.bot)
            self._dispatch(update, stored)
        self._task = asyncio.create_task(self._loop(), name="suqiu-poller")

    async def _loop(self) -> None:
        delay = 0.5
        while True:
            try:
                updates = await self.app.bot.get_updates(
                    offset=self.offset, timeout=self.timeout, limit=100,
                    allowed_updates=Update.ALL_TYPES)
            except TelegramError as exc:  # network, 5xx, 429 beyond the limiter's retries
                wait = max(delay, _retry_after(exc))
                log.warning("getUpdates failed (%s); retrying in %.1fs", exc, wait)
                await asyncio.sleep(wait)
                delay = min(delay * 2, 30)
                continue
            delay = 0.5
            if not updates:
                continue
            # Handling starts at once; the next getUpdates (which confirms this batch to
            # Telegram) waits until the batch is in the inbox.
            stored = asyncio.ensure_future(self.inbox.put(
                [(u.update_id, json.dumps(u.to_dict(), ensure_ascii=False)) for u in updates]))
            for u in updates:
                if u.update_id > self._dispatched:
                    self._dispatch(u, stored)
            try:
                await stored
            except Exception:
                log.exception("could not store updates; fetching them again")
                await asyncio.sleep(delay)
                continue
            self.offset = updates[-1].update_id + 1

    def _dispatch(self, update: Update, stored: asyncio.Future[None]) -> None:
        self._dispatched = max(self._dispatched, update.update_id)
        chat = update.effective_chat
        key = chat.id if chat else 0
        self._chats.setdefault(key, collections.deque()).append((update, stored))
        worker = self._workers.get(key)
        if worker is None or worker.done():
            self._workers[key] = asyncio.create_task(self._work(key), name=f"suqiu-chat-{key}")

    async def _work(self, key: int) -> None:
        """One chat's updates, in order; the worker ends when its chat is quiet."""
        queue = self._chats[key]
        while queue:
            update, stored = queue[0]
            try:
                await self.app.process_update(update)
            except Exception:  # PTB reports handler errors itself; this is a last resort
                log.exception("update %s failed", update.update_id)
            queue.popleft()
            self._handled.append((update.update_id, stored))
            if self._forgetting is None or self._forgetting.done():
                self._forgetting = asyncio.create_task(self._forget(), name="suqiu-inbox")
        del self._chats[key]
        self._workers.pop(key, None)

    async def _forget(self) -> None:
        """Remove handled updates from the inbox, many at a time, off the chats' path."""
        while self._handled:
            await asyncio.sleep(FORGET_EVERY)  # gather a few: one write for many updates
            batch = self._handled[:]
            del self._handled[:len(batch)]
            try:
                # Only once stored: removed first, they would be stored and come back.
                await asyncio.gather(*{id(s): s for _, s in batch}.values())
                await self.inbox.forget([u for u, _ in batch])
            except Exception:  # they stay in the inbox and are handled again (idempotent)
                log.exception("could not clear %d handled updates from the inbox", len(batch))

    async def stop(self, grace: float = 10.0) -> None:
        """Stop fetching, let the workers finish what they hold (what is left stays in the
        inbox for the next start), then confirm everything fetched to Telegram."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        workers = [w for w in self._workers.values() if not w.done()]
        if workers:
            _, late = await asyncio.wait(workers, timeout=grace)
            for w in late:
                w.cancel()
            await asyncio.gather(*late, return_exceptions=True)
        if self._forgetting is not None:
            await asyncio.gather(self._forgetting, return_exceptions=True)
        if self.offset:
            with contextlib.suppress(NetworkError, TimedOut):
                await self.app.bot.get_updates(offset=self.offset, timeout=0, limit=1)


async def start_polling(application: BotApp, settings: Settings) -> None:
    """Boot and poll; returns once polling runs (inside the caller's loop)."""
    await boot(application)
    await application.bot.delete_webhook()
    poller = Poller(application, settings)
    application.bot_data.poller = poller
    await poller.start()


async def stop_bot(application: BotApp) -> None:
    """Graceful stop: finish the update in hand, confirm the offset, shut down."""
    poller, application.bot_data.poller = application.bot_data.poller, None
    if poller is not None:
        await poller.stop()
    if application.running:
        await application.stop()
    if application.post_stop is not None:
        await application.post_stop(application)
    await application.shutdown()
    if application.post_shutdown is not None:
        await application.post_shutdown(application)
