"""A limit on one person's reports, so a member posting forty complaints in a fraction of a
second cannot fill the group's Telegram allowance (20 messages a minute) with cards and hold
back everyone else's answers, the owner's /stats included.

Counted per person in a sliding window (`trust.intake_limit`); past the limit the person is
told once per window (once of all workers), and the rest of their reports are left alone.
Only the people who reported within the window are held: a district's worker meets hundreds
of thousands of reporters in a year, and a plain dict kept every one of them for the life of
the process.

With a ledger (`shared`), the count is the database's (`issues.rates`), so N webhook workers
do not give a member N times the limit and a restart does not forget it; but a complaint's
path stays free of a statement in the common case. A person's first report in the window
here is taken at once and added to the shared count in the background, a moment later, with
everyone else's (one statement per batch). From her second on, the worker asks the database,
which adds hers and answers the count; it is handed an allowance of a tenth of the limit at
a time (one report at a time for a limit under 20), so a high limit asks rarely; refused
once, she is not asked about again here within the window. The limit then holds across
workers but for reports arriving at the same instant: a first report each worker has not
yet written (N − 1 at most).
"""

from __future__ import annotations

import asyncio
import collections
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from enum import Enum

from cachetools import TTLCache

log = logging.getLogger(__name__)

# People held at once (those who reported within one window); past it the longest-held go
# first, whose window is the nearest to its end anyway.
HELD = 100_000
FLUSH_AFTER = 0.2  # seconds: first reports gathered into one write
KIND = "intake"

# Adds each one's reports to their shared count; answers the counts after adding.
Shared = Callable[[Mapping[str, int]], Awaitable[Mapping[str, int]]]


class Verdict(Enum):
    TAKE = "take"
    TELL = "tell"  # the first one over the limit: say so, once
    IGNORE = "ignore"


class IntakeLimiter:
    def __init__(self, count: int, window: float,
                 clock: Callable[[], float] = time.monotonic,
                 shared: Shared | None = None) -> None:
        self.count, self.window, self._clock, self.shared = count, window, clock, shared
        # a person's reports of the last window, dropped a window after her latest
        self._taken: TTLCache[int, collections.deque[float]] = TTLCache(HELD, window, clock)
        self._told: TTLCache[int, float] = TTLCache(HELD, window, clock)  # told, in the window
        # reports the database granted this worker and it has not taken yet
        self._granted: TTLCache[int, int] = TTLCache(HELD, window, clock)
        self._unwritten: collections.Counter[int] = collections.Counter()
        self._flushing: asyncio.Task[None] | None = None
        self.chunk = 1 if count < 20 else count // 10

    def __len__(self) -> int:
        """The people held: those who reported within the window."""
        self._taken.expire()
        return len(self._taken)

    async def check(self, user_id: int) -> Verdict:
        now = self._clock()
        taken = self._taken.get(user_id) or collections.deque()
        while taken and now - taken[0] >= self.window:
            taken.popleft()
        if self.shared is None or not taken:
            if len(taken) >= self.count:
                return self._over(user_id, now)
            if self.shared is not None:
                self._write_later(user_id)
        elif (left := self._granted.get(user_id, 0)) > 0:
            self._granted[user_id] = left - 1
        elif user_id in self._told:  # refused here in this window: no need to ask again
            return Verdict.IGNORE
        else:
            granted, first_over = await self._ask(user_id)
            if granted == 0:
                self._told[user_id] = now
                return Verdict.TELL if first_over else Verdict.IGNORE
            self._granted[user_id] = granted - 1
        taken.append(now)
        self._taken[user_id] = taken  # held for a window from now
        return Verdict.TAKE

    def _over(self, user_id: int, now: float) -> Verdict:
        if user_id not in self._told:
            self._told[user_id] = now
            return Verdict.TELL
        return Verdict.IGNORE

    async def _ask(self, user_id: int) -> tuple[int, bool]:
        """How many more reports the database grants her (with her unwritten ones added),
        and whether this is the first ask past the limit, of all workers' (the count is
        added to atomically: one ask holds the slot just past the limit): she is told once."""
        assert self.shared is not None
        want = self.chunk
        counted = (await self.shared({str(user_id): want + self._unwritten.pop(user_id, 0)}))
        n = counted[str(user_id)]
        return max(0, min(want, self.count - (n - want))), n - want <= self.count < n

    def _write_later(self, user_id: int) -> None:
        self._unwritten[user_id] += 1
        if self._flushing is None or self._flushing.done():
            self._flushing = asyncio.get_running_loop().create_task(self._flush())

    async def _flush(self) -> None:
        assert self.shared is not None
        while self._unwritten:
            await asyncio.sleep(FLUSH_AFTER)
            hits, self._unwritten = self._unwritten, collections.Counter()
            try:
                await self.shared({str(who): n for who, n in hits.items()})
            except Exception:  # the count is a guard, not the ledger: log and go on
                log.exception("could not add %d reports to the shared count", len(hits))

    async def close(self) -> None:
        """Write what is still unwritten (at shutdown)."""
        if self._flushing is not None and not self._flushing.done():
            await self._flushing
