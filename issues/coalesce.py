"""Calls that arrive together, run together.

The bot handles the chats of one getUpdates batch side by side; each wants a short write (open
an issue, remember a card's message id). A `Coalescer` gathers the calls waiting at the same
moment and hands them to one function that does them all in one transaction.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")

MAX_BATCH = 200


class Coalescer(Generic[T, R]):
    """Gathers the calls waiting at the same moment and runs them as one batch.

    A caller alone goes through at once as a batch of one; callers that arrive while a batch
    is being written form the next one. If a batch fails as a whole, its items are retried one
    by one so that one bad item cannot take the others with it. `run` returns one result per
    item, in order.
    """

    def __init__(self, run: Callable[[list[T]], Awaitable[list[R]]], name: str) -> None:
        self._run = run
        self._name = name
        self._pending: list[tuple[T, asyncio.Future[R]]] = []
        self._worker: asyncio.Task[None] | None = None

    async def submit(self, item: T) -> R:
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[R] = loop.create_future()
        self._pending.append((item, fut))
        if self._worker is None or self._worker.done() or self._worker.get_loop() is not loop:
            self._worker = loop.create_task(self._drain(), name=self._name)
        return await fut

    async def _drain(self) -> None:
        await asyncio.sleep(0)  # let the callers of this loop turn join the first batch
        while self._pending:
            batch = self._pending[:MAX_BATCH]
            del self._pending[:MAX_BATCH]
            try:
                results = await self._run([item for item, _ in batch])
            except asyncio.CancelledError:
                for _, fut in batch + self._pending:  # shutting down: nobody waits forever
                    fut.cancel()
                self._pending.clear()
                raise
            except Exception as exc:
                if len(batch) == 1:
                    _fail(batch[0][1], exc)
                    continue
                for item, fut in batch:
                    try:
                        _settle(fut, (await self._run([item]))[0])
                    except Exception as one:
                        _fail(fut, one)
                continue
            for (_, fut), result in zip(batch, results, strict=True):
                _settle(fut, result)


def _settle(fut: asyncio.Future[R], result: R) -> None:
    if not fut.done():  # the caller went away; the write is done all the same
        fut.set_result(result)


def _fail(fut: asyncio.Future[R], exc: BaseException) -> None:
    if not fut.done():
        fut.set_exception(exc)
