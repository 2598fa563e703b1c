"""A limit on one person's reports, so a member posting forty complaints in a fraction of a
second cannot fill the group's Telegram allowance (20 messages a minute) with cards and hold
back everyone else's answers, the owner's /stats included.

Counted per person and process in a sliding window (`trust.intake_limit`); past the limit the
person is told once per window, and the rest of their reports are left alone. Only the people
who reported within the window are held: a district's worker meets hundreds of thousands of
reporters in a year, and a plain dict kept every one of them for the life of the process.
"""

from __future__ import annotations

import collections
import time
from collections.abc import Callable
from enum import Enum

from cachetools import TTLCache

# People held at once (those who reported within one window); past it the longest-held go
# first, whose window is the nearest to its end anyway.
HELD = 100_000


class Verdict(Enum):
    TAKE = "take"
    TELL = "tell"  # the first one over the limit: say so, once
    IGNORE = "ignore"


class IntakeLimiter:
    def __init__(self, count: int, window: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.count, self.window, self._clock = count, window, clock
        # a person's reports of the last window, dropped a window after her latest
        self._taken: TTLCache[int, collections.deque[float]] = TTLCache(HELD, window, clock)
        self._told: TTLCache[int, float] = TTLCache(HELD, window, clock)  # told, in the window

    def __len__(self) -> int:
        """The people held: those who reported within the window."""
        self._taken.expire()
        return len(self._taken)

    def check(self, user_id: int) -> Verdict:
        now = self._clock()
        taken = self._taken.get(user_id) or collections.deque()
        while taken and now - taken[0] >= self.window:
            taken.popleft()
        if len(taken) < self.count:
            taken.append(now)
            self._taken[user_id] = taken  # held for a window from now
            return Verdict.TAKE
        if user_id not in self._told:
            self._told[user_id] = now
            return Verdict.TELL
        return Verdict.IGNORE
