"""Figures that may be a little old: a district's headline figures read a month of issues
(tens of thousands of rows), which a page or the wall screen (reloading every 30 s) should
not wait for on every request.

`Fresh.get(key, compute, max_age)`: a value computed at most `max_age` seconds ago is served
as it is; one up to ten times older is served while a fresh one is computed in the
background (one computation per key at a time); anything older, or none, is computed now.
`max_age=0` always computes.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

T = TypeVar("T")
log = logging.getLogger(__name__)


@dataclass(eq=False)
class Fresh(Generic[T]):
    size: int = 64  # values kept (keys × windows); the oldest go first
    _values: dict[Hashable, tuple[float, T]] = field(default_factory=dict)
    _refreshing: dict[Hashable, asyncio.Task[Any]] = field(default_factory=dict)

    async def get(self, key: Hashable, compute: Callable[[], Awaitable[T]],
                  max_age: float) -> T:
        hit = self._values.get(key)
        age = time.monotonic() - hit[0] if hit else None
        if hit and age is not None and age < max_age:
            return hit[1]
        if hit and age is not None and age < 10 * max_age:
            if key not in self._refreshing:
                task = asyncio.create_task(self._compute(key, compute))
                self._refreshing[key] = task
                task.add_done_callback(lambda t: self._done(key, t))
            return hit[1]
        return await self._compute(key, compute)

    def clear(self) -> None:
        self._values.clear()

    async def _compute(self, key: Hashable, compute: Callable[[], Awaitable[T]]) -> T:
        stamp = time.monotonic()
        value = await compute()
        self._values.pop(key, None)
        self._values[key] = (stamp, value)
        while len(self._values) > self.size:
            self._values.pop(next(iter(self._values)))
        return value

    def _done(self, key: Hashable, task: asyncio.Task[Any]) -> None:
        self._refreshing.pop(key, None)
        if not task.cancelled() and task.exception() is not None:
            # The stale value keeps being served; the next request past max_age tries again.
            log.warning("refreshing %r failed", key, exc_info=task.exception())
