"""The published figures: received, answered, resolved (the resolution rate), satisfaction, lights,
and the daily series the dashboard draws."""

from __future__ import annotations

import statistics
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from issues import lights
from issues.ledger import filtered
from issues.lifecycle import OPEN_STATUSES, Status
from issues.models import Issue, Rating
from issues.unit_of_work import UnitOfWork
from issues.views import IssueFilter, Stats

SATISFIED = 3  # a score from here up counts as satisfied (the buttons give 5, 3 and 1)


class Statistics:
    def __init__(self, uow: UnitOfWork, clock: Callable[[], datetime]) -> None:
        self.uow = uow
        self.clock = clock

    async def stats(self, chat_id: int | None = None, start: datetime | None = None,
                    end: datetime | None = None, org_unit_id: int | None = None) -> Stats:
        """The published figures for a scope and window (issues received in the window)."""
        now = self.clock()
        start = start or datetime(2000, 1, 1, tzinfo=UTC)
        end = end or now + timedelta(seconds=1)

        async def run(s: AsyncSession) -> Stats:
            scope = IssueFilter(chat_id=chat_id, org_unit_id=org_unit_id, since=start,
                                until=end)
            # Durations measured by the database: a month of a busy district is many rows, and
            # turning each one's timestamps into Python datetimes costs more than the query.
            sqlite = self.uow.is_sqlite
            by_status: dict[str, int] = {}
            by_cat: dict[str, int] = {}
            ack_min, res_h = [], []
            rows = (await s.execute(filtered(select(
                Issue.status, Issue.category,
                lights.seconds_between(Issue.acknowledged_at, Issue.created_at, sqlite),
                lights.seconds_between(Issue.resolved_at, Issue.created_at, sqlite)), scope,
                now))).all()
            for status, cat, to_ack, to_resolve in rows:
                by_status[status] = by_status.get(status, 0) + 1
                by_cat[cat] = by_cat.get(cat, 0) + 1
                if to_ack is not None:
                    ack_min.append(float(to_ack) / 60)
                if to_resolve is not None:
                    res_h.append(float(to_resolve) / 3600)
            received = sum(by_status.values())
            answered = len(ack_min)
            resolved_n = by_status.get(Status.RESOLVED, 0) + by_status.get(Status.CLOSED, 0)
            rejected = by_status.get(Status.REJECTED, 0)
            rq = filtered(select(Rating.score).join(Issue, Issue.id == Rating.issue_id),
                          IssueFilter(chat_id=chat_id, org_unit_id=org_unit_id), now)
            rq = rq.where(Rating.at >= start, Rating.at < end)
            scores = list((await s.execute(rq)).scalars())
            satisfied = sum(1 for x in scores if x >= SATISFIED)
            # Each light is counted per clock, each count a range of a (group, status, due)
            # index: the open issues of a busy group are never loaded or scanned.
            scope = IssueFilter(chat_id=chat_id, org_unit_id=org_unit_id)
            counts = [[filtered(select(func.count()).where(part), scope, now).scalar_subquery()
                       for part in lights.parts(name, now)]
                      for name in ("yellow", "red")]
            got = (await s.execute(select(*(c for pair in counts for c in pair)))).one()
            yellow, red = got[0] + got[1], got[2] + got[3]
            overdue = {"yellow": int(yellow), "red": int(red)}
            valid = received - rejected
            return Stats(
                received=received, answered=answered,
                pending=by_status.get(Status.OPEN, 0),
                in_progress=sum(by_status.get(st, 0) for st in OPEN_STATUSES[1:]),
                resolved=resolved_n, rejected=rejected, rated=len(scores),
                satisfied=satisfied,
                resolution_rate=(resolved_n / valid) if valid else None,
                satisfaction_rate=(satisfied / len(scores)) if scores else None,
                median_ack_minutes=statistics.median(ack_min) if ack_min else None,
                median_resolve_hours=statistics.median(res_h) if res_h else None,
                by_category=dict(sorted(by_cat.items(), key=lambda kv: -kv[1])),
                overdue=overdue,
            )

        return await self.uow.read(run)

    async def daily_counts(self, days: int, tz: str,
                           chat_id: int | None = None) -> list[tuple[str, int, int]]:
        """(local date, received, resolved) for each of the last `days` days, oldest first."""
        from zoneinfo import ZoneInfo

        zone = ZoneInfo(tz)
        now = self.clock()
        today = now.astimezone(zone).date()
        first = today - timedelta(days=days - 1)
        start = datetime(first.year, first.month, first.day, tzinfo=zone)

        async def run(s: AsyncSession) -> list[tuple[str, int, int]]:
            q = filtered(select(Issue.created_at, Issue.resolved_at),
                         IssueFilter(chat_id=chat_id), now)
            q = q.where(or_(Issue.created_at >= start, Issue.resolved_at >= start))
            received: dict[str, int] = {}
            resolved: dict[str, int] = {}
            for created, done in (await s.execute(q)).all():
                if created >= start:
                    key = created.astimezone(zone).date().isoformat()
                    received[key] = received.get(key, 0) + 1
                if done is not None and done >= start:
                    key = done.astimezone(zone).date().isoformat()
                    resolved[key] = resolved.get(key, 0) + 1
            out = []
            for n in range(days):
                d = (first + timedelta(days=n)).isoformat()
                out.append((d, received.get(d, 0), resolved.get(d, 0)))
            return out

        return await self.uow.read(run)
