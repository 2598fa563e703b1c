"""A limit on one person's reports, so a member posting forty complaints in a fraction of a
second cannot fill the group's Telegram allowance (20 messages a minute) with cards and hold
back everyone else's answers, the owner's /stats included.

Counted per person and process in a sliding window (`trust.intake_limit`); past the limit the
person is told once per window, and the rest of their reports are left alone.
"""

from __future__ import annotations

import collections
import time
from enum import Enum


class Verdict(Enum):
    TAKE = "take"
    TELL = "tell"  # the first one over the limit: say so, once
    IGNORE = "ignore"


class IntakeLimiter:
    def __init__(self, count: int, window: float) -> None:
        self.count, self.window = count, window
        self._taken: dict[int, collections.deque[float]] = {}
        self._told: dict[int, float] = {}

    def check(self, user_id: int) -> Verdict:
        now = time.monotonic()
        taken = self._taken.setdefault(user_id, collections.deque())
        while taken and now - taken[0] >= self.window:
            taken.popleft()
        if len(taken) < self.count:
            taken.append(now)
            return Verdict.TAKE
        if now - self._told.get(user_id, -self.window) >= self.window:
            self._told[user_id] = now
            return Verdict.TELL
        return Verdict.IGNORE
