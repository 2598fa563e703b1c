"""The update queue PTB reads from, made durable: one path for polling and webhook.

PTB's Updater (polling) and our webhook endpoint both hand each update to
`Application.update_queue.put`; this queue is that queue. `put` hands the update to PTB at
once and has it written to the inbox table unless it is handled first: the writer gives the
handlers of what was put a moment (`HANDLED_FIRST`), then writes, in one transaction, the
updates still in hand. A chat message is handled in a millisecond or two, a complaint's card
is out in a few, so most updates never need the inbox, and a complaint's card no longer waits
behind the write and the next getUpdates (built once the batch is safe) on the one event loop.
What Telegram is answered with comes after that: the webhook answers 200 once `stored()`
returned, and the Updater's next getUpdates (whose offset confirms the batch before) goes
through `StoredFirst`, which waits for `stored()` too. So an update Telegram was told is safe
is in the inbox or handled; a crash before that, Telegram sends it again (handling is
idempotent: an issue per message, a card per issue once its id is stored). The processor
(`bot.serve.processor`) tells the queue when an update was handled, and handled updates
leave the inbox in batches, never before they were written.

A worker renews the lease on what it holds and takes over what a dead worker left (the
`keeper`); an update put twice (Telegram sends it again until it is confirmed) is handed to
PTB once.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import secrets
import socket
from collections import OrderedDict
from datetime import timedelta
from typing import Any

from telegram import Bot, Update
from telegram.request import BaseRequest, RequestData

from bot.serve.inbox import LEASE, Inbox

log = logging.getLogger(__name__)
FORGET_EVERY = 0.1  # seconds between removals of handled updates from the inbox
SEEN = 10_000  # update ids remembered to hand a repeated update to PTB once
RETRY = 1.0  # seconds between attempts to write when the database is away
# Seconds the writer lets the handlers of what was put work before it writes what is still in
# hand (the next getUpdates waits as long: a slow handler delays polling by this much).
HANDLED_FIRST = 0.05


class DurableQueue(asyncio.Queue[Any]):
    """Application.update_queue with an inbox behind it (attached when the service is up)."""

    def __init__(self) -> None:
        super().__init__()
        self.inbox: Inbox | None = None
        self.lease = LEASE
        self.worker = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
        self._seen: OrderedDict[int, asyncio.Future[None]] = OrderedDict()
        self._payloads: dict[int, str] = {}  # updates' JSON as Telegram sent it (`as_sent`)
        self._writing: list[tuple[int, str, asyncio.Future[None]]] = []
        self._in_hand: dict[int, asyncio.Future[None]] = {}  # put, not yet handled
        self._kept: set[int] = set()  # written to the inbox (or taken from it), not yet handled
        self._writer: asyncio.Task[None] | None = None
        self._handled: list[int] = []
        self._forgetting: asyncio.Task[None] | None = None
        self._keeper: asyncio.Task[None] | None = None

    def attach(self, inbox: Inbox, lease: timedelta = LEASE) -> None:
        self.inbox, self.lease = inbox, lease

    async def put(self, item: Any) -> None:
        """Hand an update to PTB and have it written (`stored()` says when); anything else
        PTB puts, such as its stop signal, passes straight through."""
        if not isinstance(item, Update) or self.inbox is None:
            await super().put(item)
            return
        payload = self._payloads.pop(item.update_id, None)
        if item.update_id not in self._seen:  # new: handled from now, written unless done
            self._in_hand[item.update_id] = asyncio.get_running_loop().create_future()
            self._remember(item.update_id, self._store(item, payload))
            super().put_nowait(item)

    async def stored(self) -> None:
        """Return once every update put so far is in the inbox or handled."""
        while self._writer is not None and not self._writer.done():
            await asyncio.shield(self._writer)

    def _remember(self, update_id: int, stored: asyncio.Future[None]) -> None:
        self._seen[update_id] = stored
        while len(self._seen) > SEEN:
            self._seen.popitem(last=False)

    def as_sent(self, update_id: int, payload: str) -> None:
        """The JSON of an update about to be put, as Telegram sent it: stored as it is, not
        rebuilt from PTB's objects (`to_dict`, a quarter of a millisecond per update before
        its handler may start)."""
        if self.inbox is None:
            return
        if len(self._payloads) >= SEEN:  # never put (PTB could not read them): let them go
            self._payloads.clear()
        self._payloads[update_id] = payload

    def _store(self, update: Update, payload: str | None = None) -> asyncio.Future[None]:
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if payload is None:
            payload = json.dumps(update.to_dict(), ensure_ascii=False)
        self._writing.append((update.update_id, payload, done))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write(), name="suqiu-inbox-write")
        return done

    async def _write(self) -> None:
        """Let the handlers of what was put work first, then write what is still in hand,
        in one transaction; keep trying when the database is away (nothing is confirmed to
        Telegram meanwhile)."""
        assert self.inbox is not None
        while self._writing:
            batch, self._writing = self._writing, []
            handling = [self._in_hand[u] for u, _, _ in batch if u in self._in_hand]
            if handling:
                await asyncio.wait(handling, timeout=HANDLED_FIRST)
            keep = [(u, p) for u, p, _ in batch if u in self._in_hand]
            self._kept.update(u for u, _ in keep)
            while keep:
                try:
                    await self.inbox.put(keep, self.worker)
                    break
                except Exception:
                    log.exception("could not store %d updates; trying again", len(keep))
                    await asyncio.sleep(RETRY)
            for _, _, done in batch:
                if not done.done():
                    done.set_result(None)

    def handled(self, update: object) -> None:
        """The processor is done with an update: it leaves the inbox (once it is in it)."""
        if not isinstance(update, Update) or self.inbox is None:
            return
        waiting = self._in_hand.pop(update.update_id, None)
        if waiting is not None and not waiting.done():
            waiting.set_result(None)
        if update.update_id not in self._kept:
            return  # handled before it was written: nothing to remove
        self._kept.discard(update.update_id)
        self._handled.append(update.update_id)
        if self._forgetting is None or self._forgetting.done():
            self._forgetting = asyncio.create_task(self._forget(), name="suqiu-inbox-forget")

    async def _forget(self) -> None:
        assert self.inbox is not None
        while self._handled:
            await asyncio.sleep(FORGET_EVERY)  # gather a few: one write for many updates
            batch, self._handled = self._handled, []
            writes = [self._seen[u] for u in batch if u in self._seen]
            try:
                await asyncio.gather(*{id(w): w for w in writes}.values())
                await self.inbox.forget(batch)
            except Exception:  # they stay in the inbox and are taken over later (idempotent)
                log.exception("could not clear %d handled updates from the inbox", len(batch))

    async def recover(self, bot: Bot, lease: timedelta | None = None) -> int:
        """Take over the stored updates nobody holds (a dead worker's; every one with a zero
        lease, as a single poller at its start) and hand them to PTB."""
        assert self.inbox is not None
        taken = await self.inbox.take_over(self.worker, self.lease if lease is None else lease)
        for update_id, payload in taken:
            if update_id in self._seen:
                continue  # in hand already (this worker's own, renewed late)
            done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            done.set_result(None)
            self._remember(update_id, done)
            self._kept.add(update_id)
            super().put_nowait(Update.de_json(json.loads(payload), bot))
        if taken:
            log.info("took over %d stored updates", len(taken))
        return len(taken)

    def keep(self, bot: Bot) -> None:
        """Renew this worker's lease and take over dead workers' updates, in the background
        (several webhook workers share one inbox)."""
        self._keeper = asyncio.create_task(self._keep(bot), name="suqiu-inbox-keeper")

    async def _keep(self, bot: Bot) -> None:
        assert self.inbox is not None
        while True:
            await asyncio.sleep(self.lease.total_seconds() / 4)
            try:
                await self.inbox.renew(self.worker)
                await self.recover(bot)
            except Exception:
                log.exception("could not renew the inbox lease")

    async def close(self) -> None:
        """Stop keeping; wait for the writes and removals in flight."""
        if self._keeper is not None:
            self._keeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._keeper
        for task in (self._writer, self._forgetting):
            if task is not None:
                await asyncio.gather(task, return_exceptions=True)


class StoredFirst(BaseRequest):
    """PTB's getUpdates request, asked only once what was put is stored: its offset tells
    Telegram the updates before it are safe (`ApplicationBuilder.get_updates_request`)."""

    def __init__(self, inner: BaseRequest, queue: DurableQueue) -> None:
        self.inner, self.queue = inner, queue

    @property
    def read_timeout(self) -> float | None:
        return self.inner.read_timeout

    async def initialize(self) -> None:
        await self.inner.initialize()

    async def shutdown(self) -> None:
        await self.inner.shutdown()

    async def do_request(
        self, url: str, method: str, request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        await self.queue.stored()
        code, body = await self.inner.do_request(url, method, request_data, read_timeout,
                                                 write_timeout, connect_timeout, pool_timeout)
        if code == 200:
            self._as_sent(body)
        return code, body

    def _as_sent(self, body: bytes) -> None:
        """Each update of the answer, as it came, for the inbox (`DurableQueue.as_sent`)."""
        try:
            updates = json.loads(body).get("result")
            for data in updates if isinstance(updates, list) else ():
                self.queue.as_sent(data["update_id"], json.dumps(data, ensure_ascii=False))
        except (ValueError, TypeError, KeyError, AttributeError):
            return  # PTB says what is wrong with the answer; the inbox builds its own JSON
