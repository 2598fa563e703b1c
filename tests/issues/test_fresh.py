"""Figures at most max_age old (issues.fresh): served as they are while young, served stale
while a fresh copy is computed in the background, computed again when too old."""

from __future__ import annotations

import asyncio

import pytest

from issues import fresh
from issues.fresh import Fresh


async def test_young_served_stale_refreshed_old_computed(monkeypatch: pytest.MonkeyPatch
                                                         ) -> None:
    now = [1000.0]
    monkeypatch.setattr(fresh.time, "monotonic", lambda: now[0])
    computed = []

    async def compute() -> int:
        computed.append(now[0])
        return len(computed)

    f: Fresh[int] = Fresh()
    assert await f.get("k", compute, 60) == 1
    now[0] += 30
    assert await f.get("k", compute, 60) == 1 and len(computed) == 1  # young: as it is
    now[0] += 60
    assert await f.get("k", compute, 60) == 1  # stale: served, refreshed behind
    await asyncio.sleep(0)
    assert len(computed) == 2 and await f.get("k", compute, 60) == 2
    now[0] += 601
    assert await f.get("k", compute, 60) == 3  # too old: computed before answering
    assert await f.get("k", compute, 0) == 4  # max_age=0 always computes
