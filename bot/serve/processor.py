"""PTB's update processor for Suqiu: one chat's updates in order, chats side by side.

Handed to `ApplicationBuilder.concurrent_updates`, so PTB runs updates concurrently and asks
this processor how: each update waits for the one before it from the same chat (a resident's
"修好了" must not overtake the complaint it answers), and updates of different chats run side
by side. When an update is done, the durable queue removes it from the inbox.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot.serve.queue import DurableQueue

# Updates in hand at once: those waiting behind their chat's earlier updates count too, so
# this is far above the number of chats a burst touches at once.
MAX_IN_HAND = 4096


class ChatOrdered(BaseUpdateProcessor):
    def __init__(self, queue: DurableQueue, max_in_hand: int = MAX_IN_HAND) -> None:
        super().__init__(max_in_hand)
        self.queue = queue
        self._last: dict[int, asyncio.Future[None]] = {}  # each chat's newest update's end

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        chat = update.effective_chat if isinstance(update, Update) else None
        key = chat.id if chat is not None else 0
        before = self._last.get(key)
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._last[key] = done
        try:
            if before is not None:
                try:
                    await before
                except asyncio.CancelledError:
                    if asyncio.iscoroutine(coroutine):
                        coroutine.close()  # never started: no "never awaited" warning
                    raise
            await coroutine
        finally:
            done.set_result(None)
            if self._last.get(key) is done:
                del self._last[key]
            self.queue.handled(update)

    async def initialize(self) -> None:
        """Nothing to open: the inbox lives in the ledger's database."""

    async def shutdown(self) -> None:
        await self.queue.close()
