"""Counts of limited acts shared by every worker of one database: failed dashboard logins per
address, reports per person. A process's own memory forgets them at a restart and, with N
webhook workers behind a balancer, gives an attacker N times the login attempts and a member
N times the reports.

Each (kind, who) is one row counting from the first act of a fixed window (`since`); an act
after the window starts a new one. Adding is one atomic statement (INSERT … ON CONFLICT DO
UPDATE … RETURNING), so two workers adding at the same moment both see the other's act.
The callers keep the common path off the database (`bot.handlers.limits`, `web.auth`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import case, delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from issues.models import RateCount
from issues.unit_of_work import Room

SWEEP_EVERY = timedelta(minutes=10)  # rows of windows long past are deleted this often


@dataclass(eq=False)
class Rates(Room):
    swept: dict[str, datetime] = field(default_factory=dict)  # kind → its old rows deleted

    async def add(self, kind: str, hits: Mapping[str, int],
                  window: timedelta) -> dict[str, int]:
        """Add each one's acts to their count in the window; their counts after adding."""
        now = self.clock()
        start = now - window
        insert = sqlite_insert if self.uow.is_sqlite else pg_insert
        sweep = kind not in self.swept or now - self.swept[kind] >= SWEEP_EVERY
        if sweep:
            self.swept[kind] = now

        async def run(s: AsyncSession) -> dict[str, int]:
            if sweep:
                await s.execute(delete(RateCount).where(RateCount.kind == kind,
                                                        RateCount.since <= start))
            out = {}
            for who, n in hits.items():
                stmt = insert(RateCount).values(kind=kind, who=who, since=now, n=n)
                passed = RateCount.since <= start
                stmt = stmt.on_conflict_do_update(
                    index_elements=[RateCount.kind, RateCount.who],
                    set_={"n": case((passed, stmt.excluded.n), else_=RateCount.n + n),
                          "since": case((passed, stmt.excluded.since),
                                        else_=RateCount.since)})
                out[who] = int((await s.execute(stmt.returning(RateCount.n))).scalar_one())
            return out

        return await self.uow.write(run)

    async def count(self, kind: str, who: str, window: timedelta) -> int:
        """Someone's count in the current window (0 when it has passed)."""
        start = self.clock() - window

        async def run(s: AsyncSession) -> int:
            n = (await s.execute(select(RateCount.n).where(
                RateCount.kind == kind, RateCount.who == who, RateCount.since > start)
            )).scalar_one_or_none()
            return int(n or 0)

        return await self.uow.read(run)
